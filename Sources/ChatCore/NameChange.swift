import ChatModel

/// Why the name a member got is not the name they typed: the core decides, each door says it.
public struct NameChange: Sendable, Equatable {
    /// What `NameRules` made of the typed name, before the room was asked.
    public enum Cleaning: Sendable, Equatable {
        /// Kept as typed (apart from white space around it).
        case kept
        /// Nothing was left: the default name.
        case noName
        /// Cut to `NameRules.maxLength`, inner spaces made `_`, or unsafe characters dropped.
        case rewritten
    }

    public var cleaning: Cleaning
    /// The name asked of the room, after cleaning.
    public var requested: String
    /// The name given.
    public var name: String

    /// True when `requested` was taken and `name` is numbered.
    public var taken: Bool { name != requested }

    public init(cleaning: Cleaning, requested: String, name: String) {
        self.cleaning = cleaning
        self.requested = requested
        self.name = name
    }

    /// The change from `typed` to `name` (by way of `requested`), or nil when the member got what
    /// they typed.
    public static func from(typed: String, requested: String, name: String) -> NameChange? {
        let trimmed = typed.trimmingWhitespace
        let cleaning: Cleaning =
            String(trimmed) == requested ? .kept : (NameRules.normalize(typed).isEmpty ? .noName : .rewritten)
        let change = NameChange(cleaning: cleaning, requested: requested, name: name)
        return cleaning == .kept && !change.taken ? nil : change
    }
}

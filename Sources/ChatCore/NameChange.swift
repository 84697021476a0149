import ChatModel

/// Why the name a member got is not the name they typed: the core decides, each door says it.
public struct NameChange: Sendable, Equatable {
    /// What `NameRules` made of the typed name, before the room was asked.
    public enum Cleaning: Sendable, Equatable {
        /// Kept as typed (apart from white space around it).
        case kept
        /// Nothing was left: the default name.
        case noName
        /// Changed by `NameRules.clean` (`adjustments` says how).
        case rewritten
    }

    public var cleaning: Cleaning
    /// What cleaning changed: invisible characters removed, compatibility forms made plain, ...
    public var adjustments: Set<NameAdjustment>
    /// The name asked of the room, after cleaning.
    public var requested: String
    /// The name given.
    public var name: String
    /// The name of the member present whose name looks like `requested` (same
    /// `NameRules.skeleton`) but is spelled otherwise: why `requested` was numbered. Nil when it was
    /// taken as spelled (in any case), or not taken.
    public var lookalike: String?

    /// True when `requested` was taken and `name` is numbered.
    public var taken: Bool { name != requested }

    public init(
        cleaning: Cleaning, adjustments: Set<NameAdjustment> = [], requested: String, name: String,
        lookalike: String? = nil
    ) {
        self.cleaning = cleaning
        self.adjustments = adjustments
        self.requested = requested
        self.name = name
        self.lookalike = lookalike
    }

    /// The change from `typed` to `name` (by way of `requested`; `holder` is who had a name with
    /// its skeleton), or nil when the member got what they typed.
    public static func from(typed: String, requested: String, name: String, holder: String? = nil) -> NameChange? {
        let trimmed = typed.trimmingWhitespace
        let cleaned = NameRules.clean(typed)
        let cleaning: Cleaning = String(trimmed) == requested ? .kept : (cleaned.name.isEmpty ? .noName : .rewritten)
        let change = NameChange(
            cleaning: cleaning, adjustments: cleaning == .kept ? [] : cleaned.changes, requested: requested,
            name: name, lookalike: name != requested && holder?.lowercased() != requested.lowercased() ? holder : nil)
        return cleaning == .kept && !change.taken ? nil : change
    }
}

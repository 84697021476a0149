import ChatModel
import ChatProtocol
import ChatStore

/// What verification compares of an event: its kind, who, and what they said. Ids, times and
/// leave reasons are left out: a re-enactment cannot reproduce them (a crash or a shutdown is
/// re-enacted as a dropped connection or a quit).
public struct EventKey: Hashable, Sendable, CustomStringConvertible {
    public var kind: EventKind
    public var user: String
    public var text: String

    public init(kind: EventKind, user: String, text: String = "") {
        self.kind = kind
        self.user = user
        self.text = text
    }

    public init(_ event: Event, user: String? = nil) {
        self.init(kind: event.kind, user: user ?? event.user, text: event.text)
    }

    /// `message alice: "hi"`, `join bob`: the text as a JSON string, so that every character shows.
    public var description: String { describe(JSONString.quoted) }

    /// The description with a long text cut (`quotedBrief`), for one-line reports.
    public var brief: String { describe(Self.quotedBrief) }

    /// `text` as a JSON string, cut to its first 80 characters and its size when longer:
    /// `"xxxx…" (4097 bytes)`.
    public static func quotedBrief(_ text: String) -> String {
        let limit = 80
        guard text.count > limit else { return JSONString.quoted(text) }
        return "\(JSONString.quoted(String(text.prefix(limit))).dropLast())…\" (\(text.utf8.count) bytes)"
    }

    private func describe(_ quoted: (String) -> String) -> String {
        switch kind {
        case .message: "message \(user): \(quoted(text))"
        case .action: "action \(user) \(quoted(text))"
        case .join, .leave: "\(kind.rawValue) \(user)"
        case .topic: "topic \(user) \(quoted(text))"
        case .rename: "rename \(user) \(text)"
        }
    }
}

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
    public var description: String {
        switch kind {
        case .message: "message \(user): \(JSONString.quoted(text))"
        case .action: "action \(user) \(JSONString.quoted(text))"
        case .join, .leave: "\(kind.rawValue) \(user)"
        }
    }
}

import ChatModel
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

    /// `message alice: "hi"`, `join bob`.
    public var description: String {
        switch kind {
        case .message: "message \(user): \(quoted)"
        case .action: "action \(user) \(quoted)"
        case .join, .leave: "\(kind.rawValue) \(user)"
        }
    }

    private var quoted: String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

import ChatModel
import ChatProtocol
import ChatStore

/// What verification compares of an event: its kind, its room, who, what they said, and whom a
/// private message was for. Ids, times and leave reasons are left out: a re-enactment cannot
/// reproduce them (a crash or a shutdown is re-enacted as a dropped connection or a quit).
public struct EventKey: Hashable, Sendable, CustomStringConvertible {
    public var kind: EventKind
    /// The room; `Room.privateName` for a private message.
    public var room: String
    public var user: String
    /// The text; for a rename, the new name.
    public var text: String
    public var recipient: String?

    public init(
        kind: EventKind, room: String = Room.defaultName, user: String, text: String = "", recipient: String? = nil
    ) {
        self.kind = kind
        self.room = room
        self.user = user
        self.text = text
        self.recipient = recipient
    }

    /// The event's key; `name` maps each name in it (who, a rename's new name, the recipient).
    public init(_ event: Event, name: (String) -> String = { $0 }) {
        self.init(
            kind: event.kind, room: event.room, user: name(event.user),
            text: event.kind == .rename ? name(event.text) : event.text, recipient: event.recipient.map(name))
    }

    /// What verification groups by: the room's key, or `private`. Private messages have their own
    /// order, apart from every room's.
    public var scope: String { room == Room.privateName ? "private" : "#" + Room.key(room) }

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
        case .message where recipient != nil: "message \(user) to \(recipient ?? ""): \(quoted(text))"
        case .message: "message \(user): \(quoted(text))"
        case .action: "action \(user) \(quoted(text))"
        case .notice where recipient != nil: "notice \(user) to \(recipient ?? ""): \(quoted(text))"
        case .notice: "notice \(user): \(quoted(text))"
        case .mode: "mode \(user) \(text)"
        case .tagMessage: "tag_message \(user)"
        case .join, .leave: "\(kind.rawValue) \(user)"
        case .topic: "topic \(user) \(quoted(text))"
        case .rename: "rename \(user) \(text)"
        case .kick, .ban, .unban, .mute, .unmute, .roomKick: "\(kind.rawValue) by \(user): \(quoted(text))"
        }
    }
}

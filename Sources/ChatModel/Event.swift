/// What happened in a room.
public enum EventKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// Someone said something: `alice: hi`.
    case message
    /// Someone did something (`/me waves`): `* alice waves`.
    case action
    /// Someone said something that asks for no answer (IRC's `NOTICE`, which bots and services
    /// use): `-alice- hi`. To a room, or to one person like a private message.
    case notice
    /// Someone entered the room.
    case join
    /// Someone left the room; `Event.reason` says why.
    case leave
    /// Someone set the room's topic to `text` (empty: cleared it). The room's topic is its last one.
    case topic
    /// Someone changed their name from `user` to `text`; recorded in every room they are in.
    case rename
    /// An operator (`user`) put `target` out of the server; `text` is the reason. The target's
    /// leaves follow (reason `kicked`).
    case kick
    /// An operator (`user`) banned `target` (a name or an address); `text` says for how long and why.
    case ban
    /// An operator (`user`) lifted the ban on `target`.
    case unban
    /// An operator (`user`) muted `target`: its messages are refused; `text` says for how long and why.
    case mute
    /// An operator (`user`) gave `target` its voice back.
    case unmute
    /// An operator of the room (`user`) changed one of its modes (`RoomModeChange`): `text` is the
    /// change (`+t`, `-m`, `+o`), `target` whom a role change is for.
    case mode
    /// An operator of the room (`user`) put `target` out of it (IRC's `KICK #room nick`); `text`
    /// is the reason. The target stays on the server and in its other rooms.
    case roomKick = "room_kick"
    /// A message of IRCv3 client-only tags and no text (IRC's `TAGMSG`: a typing notification, a
    /// reaction, `+draft/reply`): `clientTags` holds them. Only IRC clients that asked for
    /// `message-tags` receive it; other doors, history, exports and counts pass over it.
    case tagMessage = "tag_message"

    /// Something someone said: a message, an action or a notice.
    public var isSpeech: Bool { self == .message || self == .action || self == .notice }

    /// A join or a leave: someone came or went, rather than said or did something.
    public var isPresence: Bool { self == .join || self == .leave }

    /// An operator's act on someone (`Event.target`): kick, ban, unban, mute, unmute.
    public var isModeration: Bool { [.kick, .ban, .unban, .mute, .unmute].contains(self) }
}

/// Why someone left a room.
public enum LeaveReason: String, Sendable, Codable, CaseIterable, Hashable {
    /// They asked to leave (`/quit`, `{quit}`, `{exit}`, Ctrl+C in the client).
    case quit
    /// They left this room and stayed in their others (`/part`).
    case part
    /// Their connection closed or failed without a goodbye.
    case connectionLost = "connection_lost"
    /// They stopped reading and their outbound queue overflowed.
    case tooSlow = "too_slow"
    /// The server stopped.
    case serverShutdown = "server_shutdown"
    /// An operator put them out (`/kick`).
    case kicked
    /// An operator banned them (`/ban`).
    case banned

    /// Words for a person: `connection lost`.
    public var words: String { String(rawValue.map { $0 == "_" ? " " : $0 }) }
}

/// An event to be recorded; the store gives it an id, a time and a session.
public struct NewEvent: Sendable, Hashable {
    public var kind: EventKind
    public var room: String
    public var user: String
    public var text: String
    public var connection: Int64?
    public var reason: LeaveReason?
    /// For private messages: who it is for (`room` is then `Room.privateName`).
    public var recipient: String?
    /// For moderation: whom it is done to (a name, or an address for a ban).
    public var target: String?
    /// A time to record instead of now (imports and tests); never earlier than the previous event's.
    public var timeMillis: Int64?
    /// IRCv3 client-only tags sent with it, in wire form (`+typing=active;+draft/reply=42`).
    public var clientTags: String?

    public init(
        kind: EventKind, room: String = Room.defaultName, user: String, text: String = "",
        connection: Int64? = nil, reason: LeaveReason? = nil, recipient: String? = nil, target: String? = nil,
        timeMillis: Int64? = nil, clientTags: String? = nil
    ) {
        self.clientTags = clientTags
        self.target = target
        self.timeMillis = timeMillis
        self.recipient = recipient
        self.kind = kind
        self.room = room
        self.user = user
        self.text = text
        self.connection = connection
        self.reason = reason
    }
}

/// A recorded event. Ids give the room's total order: every client sees events in id order.
public struct Event: Sendable, Hashable, Codable {
    /// Position in the total order of the database, increasing.
    public var id: Int64
    public var kind: EventKind
    public var room: String
    public var user: String
    /// The message or action text; empty for joins and leaves.
    public var text: String
    /// Server time in milliseconds since 1970-01-01 UTC.
    public var timeMillis: Int64
    /// The server run that recorded it.
    public var session: Int64
    /// The connection (within its session) that caused it.
    public var connection: Int64?
    /// For leaves: why.
    public var reason: LeaveReason?
    /// For private messages: who it is for; only they and the sender see it.
    public var recipient: String?
    /// For moderation: whom it was done to (a name, or an address for a ban).
    public var target: String?
    /// IRCv3 client-only tags sent with it, in wire form (`+typing=active`); nil when none.
    public var clientTags: String?

    public init(
        id: Int64, kind: EventKind, room: String = Room.defaultName, user: String, text: String = "",
        timeMillis: Int64, session: Int64, connection: Int64? = nil, reason: LeaveReason? = nil,
        recipient: String? = nil, target: String? = nil, clientTags: String? = nil
    ) {
        self.clientTags = clientTags
        self.recipient = recipient
        self.target = target
        self.id = id
        self.kind = kind
        self.room = room
        self.user = user
        self.text = text
        self.timeMillis = timeMillis
        self.session = session
        self.connection = connection
        self.reason = reason
    }
}

extension Event {
    /// A private message: seen by its sender and its recipient only.
    public var isPrivate: Bool { recipient != nil }

    /// Whether the event takes `name` (any case) out of its room while `name` stays on the
    /// server: its part, or a room operator's kick of it.
    public func takesOut(_ name: String) -> Bool {
        switch kind {
        case .leave: reason == .part && user.lowercased() == name.lowercased()
        case .roomKick: target?.lowercased() == name.lowercased()
        default: false
        }
    }
}

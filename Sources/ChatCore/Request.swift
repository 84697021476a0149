import ChatModel

/// What a person asks of the server, whatever door they came in by. `room` nil means the
/// member's current room (the one joined or switched to last).
public enum Request: Sendable, Equatable {
    /// Say who you are (the first request of a connection): enter the default room, or the
    /// rooms of a resume.
    case join(JoinRequest)
    /// A message to a room.
    case say(String, room: String? = nil)
    /// An action (`/me waves`).
    case act(String, room: String? = nil)
    /// Leave the server on purpose (`reason`: words for the others, IRC's quit message).
    case quit(reason: String = "")
    /// Who is in a room.
    case who(room: String? = nil)
    /// A room's last N events again; nil for the configured default.
    case history(Int?, room: String? = nil)
    /// A window of a room's messages (IRC's `CHATHISTORY`).
    case historyWindow(HistoryQuery, room: String)
    /// The commands.
    case help
    /// Enter a room as typed (`#` optional), creating it on first use, and make it current; when
    /// already in it, only make it current. `resumeAfter`: a reconnect's place in it.
    case enter(String, resumeAfter: Int64? = nil)
    /// Make a room the member is in the current one.
    case switchTo(String)
    /// Leave a room (nil: the current one) and stay in the others.
    case part(String?, reason: String = "")
    /// Every room, with member counts and topics.
    case rooms
    /// Show a room's topic (`text` nil) or set it (empty: clear it).
    case topic(room: String?, text: String?)
    /// A private message to the person called `to`.
    case privateMessage(to: String, text: String)
    /// A notice (words that ask for no answer, IRC's `NOTICE`) to a room.
    case notice(String, room: String? = nil)
    /// A notice to the person called `to`, seen like a private message.
    case privateNotice(to: String, text: String)
    /// The room's operators: change its modes and roles, in order.
    case mode(room: String, changes: [RoomModeChange])
    /// Take the operator role of the operator account `account`, keeping one's name (IRC's `OPER`).
    case elevate(account: String, password: String)
    /// Take another name.
    case rename(String)
    /// The password of the registered name just given (a plain door's line after the name).
    case password(String)
    /// Register the member's name with `password` (and an invite token when the server asks for one).
    case register(password: String, invite: String?)
    /// Operators: put `name` out of the server.
    case kick(name: String, reason: String)
    /// The room's operators (and the server's): put `name` out of `room` (nil: the current one; IRC's
    /// `KICK #room nick`, plain `/remove`); they stay on the server and in their other rooms.
    case kickFromRoom(room: String?, name: String, reason: String)
    /// Operators: keep a name or an address out, for `seconds` (nil: until lifted).
    case ban(target: String, seconds: Int?, reason: String)
    /// Operators: lift the ban on a name or an address.
    case unban(target: String)
    /// Operators: refuse `name`'s messages for `seconds` (nil: until lifted).
    case mute(name: String, seconds: Int?, reason: String)
    /// Operators: give `name` its voice back.
    case unmute(name: String)
    /// Are you there? Answered with `Reply.pong`.
    case ping
    /// IRCv3 client-only tags in wire form (`+typing=active`) sent with `request` (a message, an
    /// action, a notice, a private one, or a tags-only message): recorded with its event.
    indirect case tagged(Request, clientTags: String)
    /// A message of client-only tags and no text to a room (IRC's `TAGMSG`); sent `tagged`.
    case tagMessage(room: String? = nil)
    /// A message of client-only tags and no text to the person called `to`; sent `tagged`.
    case privateTagMessage(to: String)
    /// Search the member's rooms and private messages for messages holding every word (`limit`
    /// nil: `SearchScope.defaultLimit`): `Reply.searchResults`.
    case search(String, limit: Int? = nil)
}

extension Request {
    /// What a mute refuses: messages, actions, notices, private messages, a new topic, a new name.
    var isSpeech: Bool {
        switch self {
        case .say, .act, .notice, .privateMessage, .privateNotice, .topic(_, .some), .rename: true
        case .tagMessage, .privateTagMessage: true
        case .tagged(let request, _): request.isSpeech
        default: false
        }
    }

    /// The request without its client tags.
    var untagged: Request {
        if case .tagged(let request, _) = self { return request.untagged }
        return self
    }
}

/// A request to join: the name asked for, and how much of the record to catch up on.
public struct JoinRequest: Sendable, Equatable {
    /// The name as typed; the core cleans it (`NameRules`).
    public var name: String
    /// The id of the last event the client already has (a reconnect).
    public var resumeAfter: Int64?
    /// How many recent events to send; nil for the configured default.
    public var history: Int?
    /// Watch without joining: the catch-up and every live event, but no join or leave is
    /// recorded, no name is taken from the room (not in `who`), and messages are refused
    /// (`Failure.watchOnly`); `who`, `history`, `help` and `quit` work.
    public var watch: Bool
    /// A reconnect's rooms, each with where to resume (the last one becomes current); empty: the
    /// default room, resumed after `resumeAfter`.
    public var rooms: [RoomResume]
    /// The last private message the client has, and the token of its previous welcome: without
    /// the token a name is not proof enough to be sent anyone's private messages.
    public var privateAfter: Int64?
    public var token: String?
    /// The password of a registered name.
    public var password: String?
    /// Enter no room: the client joins rooms itself (an IRC client joins its channels). Such a
    /// member may leave every room and stay on the server.
    public var roomless: Bool
    /// A taken name is refused (`Failure.nameTaken`), not numbered: the client picks another
    /// (IRC's `433`).
    public var exactName: Bool

    public init(
        name: String, resumeAfter: Int64? = nil, history: Int? = nil, watch: Bool = false, rooms: [RoomResume] = [],
        privateAfter: Int64? = nil, token: String? = nil, password: String? = nil, roomless: Bool = false,
        exactName: Bool = false
    ) {
        self.roomless = roomless
        self.exactName = exactName
        self.password = password
        self.name = name
        self.resumeAfter = resumeAfter
        self.history = history
        self.watch = watch
        self.rooms = rooms
        self.privateAfter = privateAfter
        self.token = token
    }
}

/// What a door made of one line.
public enum DoorInput: Sendable, Equatable {
    /// A request for the core.
    case request(Request)
    /// A line the door could not accept; the person is told, the connection goes on.
    case rejected(Failure)
    /// A line after which the connection cannot go on: the person is told, then it closes.
    case fatal(Failure)
    /// Nothing to do (an empty line).
    case nothing
}

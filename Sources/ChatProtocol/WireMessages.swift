import ChatModel

/// The structured protocol's version; a hello names the version it speaks.
public let protocolVersion = 1

/// What a client sends in structured mode, one JSON object a line.
public enum ClientMessage: Sendable, Equatable {
    /// First line: who I am, and where to resume (the last event id seen) or how much history;
    /// `watch`: receive without joining (servers that do not know it join the client visibly).
    /// `rooms`: the rooms to be in, each with where to resume (a reconnect; the last one is the
    /// current room); `privateAfter` and `token` (the welcome's) resume private messages.
    /// `password`: a registered name's (only over TLS or loopback, unless the server allows otherwise).
    case hello(
        name: String, resumeAfter: Int64? = nil, history: Int? = nil, watch: Bool = false, rooms: [RoomResume] = [],
        privateAfter: Int64? = nil, token: String? = nil, password: String? = nil)
    /// A message to a room (nil: the current one, the room last joined or switched to).
    case say(String, room: String? = nil)
    /// An action: `/me waves`.
    case me(String, room: String? = nil)
    /// Who is in a room (nil: the current one)?
    case who(room: String? = nil)
    /// The last `limit` events of a room again.
    case history(limit: Int, room: String? = nil)
    /// Enter a room (created on first use), or make it current when already in it.
    case join(room: String)
    /// Leave a room (nil: the current one), staying in the others.
    case part(room: String? = nil)
    /// Every room, with its member count and topic.
    case rooms
    /// Show a room's topic (`text` nil) or set it.
    case topic(room: String? = nil, text: String? = nil)
    /// A private message to one person.
    case msg(to: String, text: String)
    /// A new name.
    case nick(String)
    /// Leaving on purpose.
    case quit
    /// Register the member's name with a password (and an invite token when the server asks for one).
    case register(password: String, invite: String? = nil)
    /// Operators: put someone out of the server.
    case kick(name: String, reason: String = "")
    /// A room's operators (and the server's): put someone out of a room (nil: the current one);
    /// they stay on the server. Recorded as a `room_kick` event.
    case roomKick(name: String, room: String? = nil, reason: String = "")
    /// Operators: keep a name or an IP address out for `seconds` (nil: until lifted).
    case ban(target: String, seconds: Int? = nil, reason: String = "")
    /// Operators: lift a ban.
    case unban(target: String)
    /// Operators: refuse someone's messages for `seconds` (nil: until lifted).
    case mute(name: String, seconds: Int? = nil, reason: String = "")
    /// Operators: give someone their voice back.
    case unmute(name: String)
    /// Are you there? The server answers `pong`.
    case ping
    /// The answer to the server's `ping`.
    case pong
    /// Search the rooms one is in, and one's private messages, for messages holding every word
    /// (`limit` nil: the server's default): answered with one `search_results` line.
    case search(query: String, limit: Int? = nil)

    /// One JSON line, without the newline.
    public var json: String {
        var object = JSONObject()
        switch self {
        case .search(let query, let limit):
            object.add("type", "search")
            object.add("query", query)
            object.add("limit", limit.map(Int64.init))
        case .hello(
            let name, let resumeAfter, let history, let watch, let rooms, let privateAfter, let token, let password):
            object.add("type", "hello")
            object.add("protocol", Int64(protocolVersion))
            object.add("name", name)
            object.add("resume_after", resumeAfter)
            object.add("history", history.map(Int64.init))
            if watch { object.add("watch", true) }
            if !rooms.isEmpty { object.add("rooms", resumes: rooms) }
            object.add("private_after", privateAfter)
            if let token { object.add("token", token) }
            if let password { object.add("password", password) }
        case .say(let text, let room):
            object.add("type", "say")
            object.add("text", text)
            if let room { object.add("room", room) }
        case .me(let text, let room):
            object.add("type", "me")
            object.add("text", text)
            if let room { object.add("room", room) }
        case .who(let room):
            object.add("type", "who")
            if let room { object.add("room", room) }
        case .history(let limit, let room):
            object.add("type", "history")
            object.add("limit", Int64(limit))
            if let room { object.add("room", room) }
        case .join(let room):
            object.add("type", "join")
            object.add("room", room)
        case .part(let room):
            object.add("type", "part")
            if let room { object.add("room", room) }
        case .rooms:
            object.add("type", "rooms")
        case .topic(let room, let text):
            object.add("type", "topic")
            if let room { object.add("room", room) }
            if let text { object.add("text", text) }
        case .msg(let to, let text):
            object.add("type", "msg")
            object.add("to", to)
            object.add("text", text)
        case .nick(let name):
            object.add("type", "nick")
            object.add("name", name)
        case .quit:
            object.add("type", "quit")
        case .register(let password, let invite):
            object.add("type", "register")
            object.add("password", password)
            if let invite { object.add("invite", invite) }
        case .kick(let name, let reason):
            object.add("type", "kick")
            object.add("name", name)
            if !reason.isEmpty { object.add("reason", reason) }
        case .roomKick(let name, let room, let reason):
            object.add("type", "room_kick")
            object.add("name", name)
            if let room { object.add("room", room) }
            if !reason.isEmpty { object.add("reason", reason) }
        case .ban(let target, let seconds, let reason):
            object.add("type", "ban")
            object.add("target", target)
            object.add("seconds", seconds.map(Int64.init))
            if !reason.isEmpty { object.add("reason", reason) }
        case .unban(let target):
            object.add("type", "unban")
            object.add("target", target)
        case .mute(let name, let seconds, let reason):
            object.add("type", "mute")
            object.add("name", name)
            object.add("seconds", seconds.map(Int64.init))
            if !reason.isEmpty { object.add("reason", reason) }
        case .unmute(let name):
            object.add("type", "unmute")
            object.add("name", name)
        case .ping:
            object.add("type", "ping")
        case .pong:
            object.add("type", "pong")
        }
        return object.string
    }

    /// Parses one line. Unknown fields are ignored; a missing field is an error.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> ClientMessage {
        let envelope = try Envelope.decode(bytes)
        switch envelope.type {
        case "hello":
            let version = envelope.protocol ?? protocolVersion
            guard version == protocolVersion else {
                throw ProtocolError(
                    code: .unsupportedProtocol,
                    message: "protocol \(version) is not supported; this server speaks \(protocolVersion)")
            }
            return .hello(
                name: envelope.name ?? "", resumeAfter: envelope.resumeAfter, history: envelope.historyCount,
                watch: envelope.watch ?? false, rooms: envelope.resumes ?? [], privateAfter: envelope.privateAfter,
                token: envelope.token, password: envelope.password)
        case "say": return .say(try envelope.required(envelope.text, "text"), room: envelope.room)
        case "me": return .me(try envelope.required(envelope.text, "text"), room: envelope.room)
        case "who": return .who(room: envelope.room)
        case "history": return .history(limit: envelope.limit ?? 50, room: envelope.room)
        case "join": return .join(room: try envelope.required(envelope.room, "room"))
        case "part": return .part(room: envelope.room)
        case "rooms": return .rooms
        case "topic": return .topic(room: envelope.room, text: envelope.text)
        case "msg":
            return .msg(
                to: try envelope.required(envelope.to, "to"), text: try envelope.required(envelope.text, "text"))
        case "nick": return .nick(try envelope.required(envelope.name, "name"))
        case "quit": return .quit
        case "register":
            return .register(password: try envelope.required(envelope.password, "password"), invite: envelope.invite)
        case "kick": return .kick(name: try envelope.required(envelope.name, "name"), reason: envelope.reason ?? "")
        case "room_kick":
            return .roomKick(
                name: try envelope.required(envelope.name, "name"), room: envelope.room, reason: envelope.reason ?? "")
        case "ban":
            return .ban(
                target: try envelope.required(envelope.target, "target"), seconds: envelope.seconds,
                reason: envelope.reason ?? "")
        case "unban": return .unban(target: try envelope.required(envelope.target, "target"))
        case "mute":
            return .mute(
                name: try envelope.required(envelope.name, "name"), seconds: envelope.seconds,
                reason: envelope.reason ?? "")
        case "unmute": return .unmute(name: try envelope.required(envelope.name, "name"))
        case "ping": return .ping
        case "pong": return .pong
        case "search": return .search(query: try envelope.required(envelope.query, "query"), limit: envelope.limit)
        default: throw ProtocolError(code: .unknownType, message: "unknown message type \"\(envelope.type)\"")
        }
    }
}

/// What the server sends in structured mode, one JSON object a line.
public enum ServerMessage: Sendable, Equatable {
    /// The answer to hello: the name given (it may differ from the one asked for), the session,
    /// the server's version, the room, and the longest message text it takes (`MessageLimit`; nil
    /// from servers that do not say); `token` resumes this name's private messages after a drop.
    case welcome(
        name: String, session: Int64, server: String, room: String, maxMessageBytes: Int?, token: String? = nil)
    /// An event; `history` marks events sent from the record rather than live.
    case event(Event, history: Bool)
    /// The history of `room` sent after hello, a join or a history request is complete; live
    /// events follow. `room` nil: from a server without rooms.
    case historyEnd(room: String? = nil)
    /// A resume could not be complete: events of `room` after `after` up to `resumedAfter` are
    /// gone from the record.
    case gap(room: String? = nil, after: Int64, resumedAfter: Int64)
    /// The names in a room.
    case who(room: String? = nil, names: [String])
    /// The answer to a join, before the room's history: the room (as the server spells it), its
    /// topic and who is in it.
    case joined(room: String, topic: String, names: [String])
    /// Every room: name, members, topic.
    case rooms([RoomSummary])
    /// A room's topic (empty: none), and who set it when (nil: never set).
    case topic(room: String, text: String, by: String?, timeMillis: Int64?)
    /// The member's name changed (`nick`): from now on it is `name`.
    case renamed(from: String, to: String)
    /// Something the client should tell its user; not an error.
    case notice(code: ErrorCode, message: String)
    /// A request failed.
    case error(code: ErrorCode, message: String)
    /// The server is stopping; the connection closes next.
    case shutdown(message: String)
    /// The member's name is registered to it now.
    case registered(name: String)
    /// Nothing came from the client for a while: answer `pong` (`ChatConnection` does), or be
    /// closed once the idle timeout passes.
    case ping
    /// The answer to the client's `ping`.
    case pong
    /// The answer to `search`, newest first; not an event, so it never moves a resume point.
    case searchResults(query: String, hits: [SearchHit])

    /// One JSON line, without the newline.
    public var json: String {
        var object = JSONObject()
        switch self {
        case .welcome(let name, let session, let server, let room, let maxMessageBytes, let token):
            object.add("type", "welcome")
            object.add("protocol", Int64(protocolVersion))
            object.add("name", name)
            object.add("session", session)
            object.add("server", server)
            object.add("room", room)
            if let maxMessageBytes { object.add("max_message_bytes", Int64(maxMessageBytes)) }
            if let token { object.add("token", token) }
        case .event(let event, let history):
            var bytes: [UInt8] = []
            Self.appendEvent(event, history: history, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        case .historyEnd(let room):
            object.add("type", "history_end")
            if let room { object.add("room", room) }
        case .gap(let room, let after, let resumedAfter):
            object.add("type", "gap")
            if let room { object.add("room", room) }
            object.add("after", after)
            object.add("resumed_after", resumedAfter)
        case .who(let room, let names):
            object.add("type", "who")
            if let room { object.add("room", room) }
            object.add("names", strings: names)
        case .joined(let room, let topic, let names):
            object.add("type", "joined")
            object.add("room", room)
            object.add("topic", topic)
            object.add("names", strings: names)
        case .rooms(let rooms):
            object.add("type", "rooms")
            object.add("rooms", summaries: rooms)
        case .topic(let room, let text, let by, let time):
            object.add("type", "topic")
            object.add("room", room)
            object.add("text", text)
            if let by { object.add("by", by) }
            if let time { object.add("time", Timestamp.iso8601(time)) }
        case .renamed(let from, let to):
            object.add("type", "renamed")
            object.add("from", from)
            object.add("name", to)
        case .notice(let code, let message):
            object.add("type", "notice")
            object.add("code", code.rawValue)
            object.add("message", message)
        case .error(let code, let message):
            object.add("type", "error")
            object.add("code", code.rawValue)
            object.add("message", message)
        case .shutdown(let message):
            object.add("type", "shutdown")
            object.add("message", message)
        case .registered(let name):
            object.add("type", "registered")
            object.add("name", name)
        case .ping:
            object.add("type", "ping")
        case .pong:
            object.add("type", "pong")
        case .searchResults(let query, let hits):
            object.add("type", "search_results")
            object.add("query", query)
            object.add("results", objects: hits) { object, hit in
                object.add("id", hit.id)
                object.add("time", Timestamp.iso8601(hit.timeMillis))
                object.add("kind", hit.kind.rawValue)
                object.add("room", hit.room)
                object.add("user", hit.user)
                object.add("recipient", hit.recipient)
                object.add("snippet", hit.snippet)
            }
        }
        return object.string
    }

    /// Appends `.event(event, history:)` as JSON to `out`, without intermediate strings: the
    /// server encodes every event this way once for all its recipients.
    public static func appendEvent(_ event: Event, history: Bool, to out: inout [UInt8]) {
        out.append(
            contentsOf: (history ? #"{"type":"event","history":true,"event":"# : #"{"type":"event","event":"#).utf8)
        EventJSON.append(event, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// Parses one line from the server.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> ServerMessage {
        let envelope = try Envelope.decode(bytes)
        switch envelope.type {
        case "welcome":
            return .welcome(
                name: try envelope.required(envelope.name, "name"), session: envelope.session ?? 0,
                server: envelope.server ?? "", room: envelope.room ?? Room.defaultName,
                maxMessageBytes: envelope.maxMessageBytes, token: envelope.token)
        case "event":
            let wire = try envelope.required(envelope.event, "event")
            do {
                return .event(try wire.event, history: envelope.history ?? false)
            } catch {
                throw ProtocolError(code: .malformed, message: "bad event: \(error)")
            }
        case "history_end": return .historyEnd(room: envelope.room)
        case "gap":
            return .gap(room: envelope.room, after: envelope.after ?? 0, resumedAfter: envelope.resumedAfter ?? 0)
        case "who": return .who(room: envelope.room, names: envelope.names ?? [])
        case "joined":
            return .joined(
                room: try envelope.required(envelope.room, "room"), topic: envelope.topic ?? "",
                names: envelope.names ?? [])
        case "rooms":
            return .rooms(
                (envelope.rooms ?? []).map {
                    RoomSummary(name: $0.room, members: $0.members ?? 0, topic: $0.topic ?? "")
                })
        case "topic":
            return .topic(
                room: try envelope.required(envelope.room, "room"), text: envelope.text ?? "", by: envelope.by,
                timeMillis: envelope.time.flatMap(Timestamp.parse))
        case "renamed":
            return .renamed(from: envelope.from ?? "", to: try envelope.required(envelope.name, "name"))
        case "notice", "error":
            let code = ErrorCode(rawValue: envelope.code ?? "") ?? .malformed
            let message = envelope.message ?? ""
            return envelope.type == "notice"
                ? .notice(code: code, message: message) : .error(code: code, message: message)
        case "shutdown": return .shutdown(message: envelope.message ?? "")
        case "registered": return .registered(name: try envelope.required(envelope.name, "name"))
        case "ping": return .ping
        case "pong": return .pong
        case "search_results":
            var hits: [SearchHit] = []
            for wire in envelope.results ?? [] { hits.append(try wire.hit()) }
            return .searchResults(query: envelope.query ?? "", hits: hits)
        default: throw ProtocolError(code: .unknownType, message: "unknown message type \"\(envelope.type)\"")
        }
    }
}

/// Every field any message may carry; each message reads the ones it needs.
struct Envelope: Decodable {
    var type: String
    var `protocol`: Int?
    var name: String?
    var resumeAfter: Int64?
    var history: Bool?
    var text: String?
    var limit: Int?
    var session: Int64?
    var server: String?
    var room: String?
    var event: EventJSON.WireEvent?
    var after: Int64?
    var resumedAfter: Int64?
    var names: [String]?
    var code: String?
    var message: String?
    var maxMessageBytes: Int?
    var watch: Bool?
    /// `rooms` is a list of resumes in a hello and a list of summaries in the server's answer.
    var resumes: [RoomResume]?
    var rooms: [WireRoom]?
    /// The hits of a `search_results`.
    var results: [WireHit]?
    var privateAfter: Int64?
    var token: String?
    var to: String?
    var topic: String?
    var by: String?
    var time: String?
    var from: String?
    var password: String?
    var invite: String?
    var target: String?
    var reason: String?
    var seconds: Int?
    var query: String?

    /// A room in the `rooms` answer.
    struct WireRoom: Decodable {
        var room: String
        var members: Int?
        var topic: String?
    }

    /// A hit in the `search_results` answer.
    struct WireHit: Decodable {
        var id: Int64
        var time: String
        var kind: String
        var room: String?
        var user: String
        var recipient: String?
        var snippet: String

        func hit() throws(ProtocolError) -> SearchHit {
            guard let kind = EventKind(rawValue: kind), let timeMillis = Timestamp.parse(time) else {
                throw ProtocolError(code: .malformed, message: "search_results has a bad result (id \(id))")
            }
            return SearchHit(
                id: id, kind: kind, room: room, user: user, recipient: recipient, timeMillis: timeMillis,
                snippet: snippet)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case type, `protocol`, name, history, text, limit, session, server, room, event, after, names, code, message
        case watch, rooms, token, to, topic, by, time, from, password, invite, target, reason, seconds, query, results
        case resumeAfter = "resume_after"
        case resumedAfter = "resumed_after"
        case maxMessageBytes = "max_message_bytes"
        case privateAfter = "private_after"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        `protocol` = try container.decodeIfPresent(Int.self, forKey: .protocol)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        resumeAfter = try container.decodeIfPresent(Int64.self, forKey: .resumeAfter)
        // "history" is a flag on events and a count on hello.
        if let flag = try? container.decodeIfPresent(Bool.self, forKey: .history) {
            history = flag
        } else if let count = try? container.decodeIfPresent(Int.self, forKey: .history) {
            historyCount = count
        }
        text = try container.decodeIfPresent(String.self, forKey: .text)
        limit = try container.decodeIfPresent(Int.self, forKey: .limit)
        session = try container.decodeIfPresent(Int64.self, forKey: .session)
        server = try container.decodeIfPresent(String.self, forKey: .server)
        room = try container.decodeIfPresent(String.self, forKey: .room)
        event = try container.decodeIfPresent(EventJSON.WireEvent.self, forKey: .event)
        after = try container.decodeIfPresent(Int64.self, forKey: .after)
        resumedAfter = try container.decodeIfPresent(Int64.self, forKey: .resumedAfter)
        names = try container.decodeIfPresent([String].self, forKey: .names)
        code = try container.decodeIfPresent(String.self, forKey: .code)
        message = try container.decodeIfPresent(String.self, forKey: .message)
        maxMessageBytes = try container.decodeIfPresent(Int.self, forKey: .maxMessageBytes)
        watch = try container.decodeIfPresent(Bool.self, forKey: .watch)
        if type == "hello" {
            resumes = try container.decodeIfPresent([RoomResume].self, forKey: .rooms)
        } else if type == "rooms" {
            rooms = try container.decodeIfPresent([WireRoom].self, forKey: .rooms)
        }
        results = try container.decodeIfPresent([WireHit].self, forKey: .results)
        privateAfter = try container.decodeIfPresent(Int64.self, forKey: .privateAfter)
        token = try container.decodeIfPresent(String.self, forKey: .token)
        to = try container.decodeIfPresent(String.self, forKey: .to)
        topic = try container.decodeIfPresent(String.self, forKey: .topic)
        by = try container.decodeIfPresent(String.self, forKey: .by)
        time = try container.decodeIfPresent(String.self, forKey: .time)
        from = try container.decodeIfPresent(String.self, forKey: .from)
        password = try container.decodeIfPresent(String.self, forKey: .password)
        invite = try container.decodeIfPresent(String.self, forKey: .invite)
        target = try container.decodeIfPresent(String.self, forKey: .target)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        seconds = try container.decodeIfPresent(Int.self, forKey: .seconds)
        query = try container.decodeIfPresent(String.self, forKey: .query)
    }

    var historyCount: Int?

    /// `value`, or a `malformed` error naming the missing field.
    func required<T>(_ value: T?, _ field: String) throws(ProtocolError) -> T {
        guard let value else { throw ProtocolError(code: .malformed, message: "\(type) needs \"\(field)\"") }
        return value
    }

    static func decode(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> Envelope {
        guard bytes.first == UInt8(ascii: "{") else {
            throw ProtocolError(code: .malformed, message: "not a JSON object")
        }
        return try JSONInput.decode(Envelope.self, from: bytes)
    }
}

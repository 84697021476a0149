import ChatModel

/// The structured protocol's version; a hello names the version it speaks.
public let protocolVersion = 1

/// What a client sends in structured mode, one JSON object a line.
public enum ClientMessage: Sendable, Equatable {
    /// First line: who I am, and where to resume (the last event id seen) or how much history;
    /// `watch`: receive without joining (servers that do not know it join the client visibly).
    case hello(name: String, resumeAfter: Int64? = nil, history: Int? = nil, watch: Bool = false)
    /// A message to the room.
    case say(String)
    /// An action: `/me waves`.
    case me(String)
    /// Who is here?
    case who
    /// The last `limit` events again.
    case history(limit: Int)
    /// Leaving on purpose.
    case quit

    /// One JSON line, without the newline.
    public var json: String {
        var object = JSONObject()
        switch self {
        case .hello(let name, let resumeAfter, let history, let watch):
            object.add("type", "hello")
            object.add("protocol", Int64(protocolVersion))
            object.add("name", name)
            object.add("resume_after", resumeAfter)
            object.add("history", history.map(Int64.init))
            if watch { object.add("watch", true) }
        case .say(let text):
            object.add("type", "say")
            object.add("text", text)
        case .me(let text):
            object.add("type", "me")
            object.add("text", text)
        case .who:
            object.add("type", "who")
        case .history(let limit):
            object.add("type", "history")
            object.add("limit", Int64(limit))
        case .quit:
            object.add("type", "quit")
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
                watch: envelope.watch ?? false)
        case "say": return .say(try envelope.required(envelope.text, "text"))
        case "me": return .me(try envelope.required(envelope.text, "text"))
        case "who": return .who
        case "history": return .history(limit: envelope.limit ?? 50)
        case "quit": return .quit
        default: throw ProtocolError(code: .unknownType, message: "unknown message type \"\(envelope.type)\"")
        }
    }
}

/// What the server sends in structured mode, one JSON object a line.
public enum ServerMessage: Sendable, Equatable {
    /// The answer to hello: the name given (it may differ from the one asked for), the session,
    /// the server's version, the room, and the longest message text it takes (`MessageLimit`; nil
    /// from servers that do not say).
    case welcome(name: String, session: Int64, server: String, room: String, maxMessageBytes: Int?)
    /// An event; `history` marks events sent from the record rather than live.
    case event(Event, history: Bool)
    /// The history sent after hello (or a history request) is complete; live events follow.
    case historyEnd
    /// A resume could not be complete: events after `after` up to `resumedAfter` are gone from the record.
    case gap(after: Int64, resumedAfter: Int64)
    /// The names in the room.
    case who([String])
    /// Something the client should tell its user; not an error.
    case notice(code: ErrorCode, message: String)
    /// A request failed.
    case error(code: ErrorCode, message: String)
    /// The server is stopping; the connection closes next.
    case shutdown(message: String)

    /// One JSON line, without the newline.
    public var json: String {
        var object = JSONObject()
        switch self {
        case .welcome(let name, let session, let server, let room, let maxMessageBytes):
            object.add("type", "welcome")
            object.add("protocol", Int64(protocolVersion))
            object.add("name", name)
            object.add("session", session)
            object.add("server", server)
            object.add("room", room)
            if let maxMessageBytes { object.add("max_message_bytes", Int64(maxMessageBytes)) }
        case .event(let event, let history):
            var bytes: [UInt8] = []
            Self.appendEvent(event, history: history, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        case .historyEnd:
            object.add("type", "history_end")
        case .gap(let after, let resumedAfter):
            object.add("type", "gap")
            object.add("after", after)
            object.add("resumed_after", resumedAfter)
        case .who(let names):
            object.add("type", "who")
            object.add("names", strings: names)
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
                maxMessageBytes: envelope.maxMessageBytes)
        case "event":
            let wire = try envelope.required(envelope.event, "event")
            do {
                return .event(try wire.event, history: envelope.history ?? false)
            } catch {
                throw ProtocolError(code: .malformed, message: "bad event: \(error)")
            }
        case "history_end": return .historyEnd
        case "gap": return .gap(after: envelope.after ?? 0, resumedAfter: envelope.resumedAfter ?? 0)
        case "who": return .who(envelope.names ?? [])
        case "notice", "error":
            let code = ErrorCode(rawValue: envelope.code ?? "") ?? .malformed
            let message = envelope.message ?? ""
            return envelope.type == "notice"
                ? .notice(code: code, message: message) : .error(code: code, message: message)
        case "shutdown": return .shutdown(message: envelope.message ?? "")
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

    private enum CodingKeys: String, CodingKey {
        case type, `protocol`, name, history, text, limit, session, server, room, event, after, names, code, message
        case watch
        case resumeAfter = "resume_after"
        case resumedAfter = "resumed_after"
        case maxMessageBytes = "max_message_bytes"
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

import ChatModel

/// The one JSON shape of an event: on the wire, in NDJSON and JSON exports, and as replay input.
///
///     {"id":7,"kind":"message","room":"main","user":"alice","text":"hi",
///      "time":"2026-11-22T10:01:02.123Z","session":1,"connection":3}
///
/// `connection` is left out when unknown, `reason` appears on leaves only, `recipient` on private
/// messages and notices only (their `room` is empty), `target` on moderation events (kick, ban,
/// unban, mute, unmute: whom it was done to) and on role changes (`mode` events of `+o` or `+v`).
public enum EventJSON {
    /// The event as one JSON object, keys in a fixed order.
    public static func encode(_ event: Event) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(192 + event.text.utf8.count)
        append(event, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the event's JSON object to `out`, without building intermediate strings:
    /// exports and the server's fan-out call this once per event.
    public static func append(_ event: Event, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        appendInteger(event.id, to: &out)
        out.append(contentsOf: #","kind":""#.utf8)
        out.append(contentsOf: event.kind.rawValue.utf8)
        out.append(contentsOf: #"","room":"#.utf8)
        JSONString.append(event.room, to: &out)
        out.append(contentsOf: #","user":"#.utf8)
        JSONString.append(event.user, to: &out)
        out.append(contentsOf: #","text":"#.utf8)
        JSONString.append(event.text, to: &out)
        out.append(contentsOf: #","time":""#.utf8)
        Timestamp.appendISO8601(event.timeMillis, to: &out)
        out.append(contentsOf: #"","session":"#.utf8)
        appendInteger(event.session, to: &out)
        if let connection = event.connection {
            out.append(contentsOf: #","connection":"#.utf8)
            appendInteger(connection, to: &out)
        }
        if let reason = event.reason {
            out.append(contentsOf: #","reason":""#.utf8)
            out.append(contentsOf: reason.rawValue.utf8)
            out.append(UInt8(ascii: "\""))
        }
        if let recipient = event.recipient {
            out.append(contentsOf: #","recipient":"#.utf8)
            JSONString.append(recipient, to: &out)
        }
        if let target = event.target {
            out.append(contentsOf: #","target":"#.utf8)
            JSONString.append(target, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    /// Reads an event from its JSON object (a line of NDJSON, or one from the wire).
    public static func decode(_ text: some StringProtocol) throws(ProtocolError) -> Event {
        try JSONInput.decode(WireEvent.self, from: text.utf8).event
    }

    /// The decodable form; `event` checks the time.
    struct WireEvent: Decodable {
        var id: Int64
        var kind: EventKind
        var room: String?
        var user: String
        var text: String?
        var time: String
        var session: Int64?
        var connection: Int64?
        var reason: LeaveReason?
        var recipient: String?
        var target: String?

        var event: Event {
            get throws(ProtocolError) {
                guard let millis = Timestamp.parse(time) else {
                    throw ProtocolError(code: .malformed, message: "bad event time \(time)")
                }
                return Event(
                    id: id, kind: kind, room: room ?? Room.defaultName, user: user, text: text ?? "",
                    timeMillis: millis, session: session ?? 0, connection: connection, reason: reason,
                    recipient: recipient, target: target)
            }
        }
    }
}

/// A protocol failure, with the code the wire uses for it.
public struct ProtocolError: Error, CustomStringConvertible, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String

    public init(code: ErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Error and notice codes of the wire protocol (see docs/PROTOCOL.md).
public enum ErrorCode: String, Sendable, Codable, CaseIterable {
    /// The line is not a message of the protocol.
    case malformed
    /// The line was longer than the server's limit; it was not sent to anyone.
    case lineTooLong = "line_too_long"
    /// The message type is not known.
    case unknownType = "unknown_type"
    /// A second hello, or a message before hello.
    case badSequence = "bad_sequence"
    /// The protocol version is not supported.
    case unsupportedProtocol = "unsupported_protocol"
    /// The name may not be used; send another hello.
    case nameReserved = "name_reserved"
    /// The server is full.
    case serverFull = "server_full"
    /// No usable hello came within the name timeout of the connect: the connection closes.
    case nameTimeout = "name_timeout"
    /// The message could not be stored, so nobody saw it.
    case notStored = "not_stored"
    /// Too many messages: the server slows this connection down.
    case rateLimited = "rate_limited"
    /// A notice: the name given is not the one asked for (taken, empty, too long or with spaces).
    case nameChanged = "name_changed"
    /// An empty message is not sent.
    case emptyMessage = "empty_message"
    /// A watcher (hello with `"watch": true`) sent `say` or `me`: watchers only receive.
    case watchOnly = "watch_only"
    /// A room name that breaks the rules (length, characters).
    case badRoomName = "bad_room_name"
    /// No room of that name, or not one the member is in.
    case notInRoom = "not_in_room"
    /// A limit on rooms: the server's (`--max-rooms`) or the member's (`--max-rooms-per-member`).
    case roomLimit = "room_limit"
    /// The member's only room cannot be left (`quit` leaves the server).
    case lastRoom = "last_room"
    /// Nobody of that name is here (a private message).
    case noSuchName = "no_such_name"
    /// The name asked for (`nick`) is someone else's.
    case nameTaken = "name_taken"
    /// The name is registered: send the hello again with its `password`.
    case passwordRequired = "password_required"
    /// The password was wrong.
    case wrongPassword = "wrong_password"
    /// Too many wrong passwords from this address or for this account: wait and try again.
    case tooManyAttempts = "too_many_attempts"
    /// A password was given for a name that is not registered.
    case noSuchAccount = "no_such_account"
    /// The server admits registered names only.
    case accountRequired = "account_required"
    /// A password over a connection that is neither TLS nor loopback: use TLS.
    case plaintextPassword = "plaintext_password"
    /// Banned from the server; the connection closes.
    case banned
    /// Put out by an operator; the connection closes.
    case kicked
    /// Muted: messages are refused for now.
    case muted
    /// Only operators may do that.
    case notOperator = "not_operator"
    /// Only the room's operators may do that (its topic while it is topic locked).
    case notRoomOperator = "not_room_operator"
    /// The room is moderated: only its operators and voiced members speak in it.
    case moderated
    /// Registration is closed on this server.
    case registrationClosed = "registration_closed"
    /// Registration needs an invite token.
    case inviteNeeded = "invite_needed"
    /// The invite token is unknown, used up or expired.
    case badInvite = "bad_invite"
    /// The password is too short.
    case passwordTooShort = "password_too_short"
    /// The name is registered by someone else (or a lookalike of it is).
    case nameRegistered = "name_registered"
    /// The member's name is registered already.
    case alreadyRegistered = "already_registered"
    /// The accounts could not be read or written.
    case accountsUnavailable = "accounts_unavailable"
}

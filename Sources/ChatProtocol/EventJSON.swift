import ChatStore
import Foundation

/// The one JSON shape of an event: on the wire, in NDJSON and JSON exports, and as replay input.
///
///     {"id":7,"kind":"message","room":"main","user":"alice","text":"hi",
///      "time":"2026-11-22T10:01:02.123Z","session":1,"connection":3}
///
/// `connection` is left out when unknown, `reason` appears on leaves only.
public enum EventJSON {
    /// The event as one JSON object, keys in a fixed order.
    public static func encode(_ event: Event) -> String {
        var object = JSONObject()
        object.add("id", event.id)
        object.add("kind", event.kind.rawValue)
        object.add("room", event.room)
        object.add("user", event.user)
        object.add("text", event.text)
        object.add("time", Timestamp.iso8601(event.timeMillis))
        object.add("session", event.session)
        object.add("connection", event.connection)
        object.add("reason", event.reason?.rawValue)
        return object.string
    }

    /// Reads an event from its JSON object.
    public static func decode(_ text: some StringProtocol) throws -> Event {
        try JSONDecoder().decode(WireEvent.self, from: Data(text.utf8)).event
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

        var event: Event {
            get throws {
                guard let millis = Timestamp.parse(time) else {
                    throw ProtocolError(code: .malformed, message: "bad event time \(time)")
                }
                return Event(
                    id: id, kind: kind, room: room ?? Room.defaultName, user: user, text: text ?? "",
                    timeMillis: millis, session: session ?? 0, connection: connection, reason: reason)
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
    /// The message could not be stored, so nobody saw it.
    case notStored = "not_stored"
    /// Too many messages: the server slows this connection down.
    case rateLimited = "rate_limited"
    /// An empty message is not sent.
    case emptyMessage = "empty_message"
}

import ChatModel
import PostgresNIO

/// The columns every event query selects, and how a row becomes an `Event`.
enum PostgresRows {
    static let eventColumns = select(clientTags: false)
    /// `eventColumns` and the client tags after them (`taggedEvent`): a backup's, which keeps them.
    static let taggedEventColumns = select(clientTags: true)

    private static func select(clientTags: Bool) -> String {
        """
        SELECT e.id, e.kind, r.name, e."user", e.text, e.time_ms, e.session_id, e.connection, e.reason, e.recipient, e.target\
        \(clientTags ? ", e.client_tags" : "")
        FROM events e JOIN rooms r ON r.id = e.room_id
        """
    }

    /// A row of `taggedEventColumns`.
    static func taggedEvent(_ row: PostgresRow) throws -> Event {
        var event = try event(row)
        event.clientTags = try row.makeRandomAccess()[11].decode(String?.self)
        return event
    }

    static func event(_ row: PostgresRow) throws -> Event {
        let (id, kind, room, user, text, time, session, connection, reason, recipient, target) = try row.decode(
            (Int64, String, String, String, String, Int64, Int64, Int64?, String?, String?, String?).self)
        return Event(
            id: id, kind: EventKind(rawValue: kind) ?? .message, room: room, user: user, text: text, timeMillis: time,
            session: session, connection: connection, reason: reason.flatMap(LeaveReason.init(rawValue:)),
            recipient: recipient, target: target)
    }

    static func events(_ rows: PostgresRowSequence) async throws -> [Event] {
        var events: [Event] = []
        for try await row in rows { events.append(try event(row)) }
        return events
    }
}

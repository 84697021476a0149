import ChatModel
import ChatStore
import PostgresNIO

/// History windows (IRC's `CHATHISTORY`), as the SQLite `EventReader` answers them.
extension PostgresEventReader {
    /// Up to `limit` messages, actions and notices of `room` with ids strictly between `lower` and
    /// `upper`, oldest first: the oldest of them, or the newest when `newest`.
    public func messages(
        room: String, above lower: Int64, below upper: Int64, limit: Int, newest: Bool
    ) async throws(StoreError) -> [Event] {
        guard limit > 0, lower < upper else { return [] }
        let order = newest ? "DESC" : "ASC"
        let rows = try await events(
            "a window of history",
            "\(unescaped: PostgresRows.eventColumns) WHERE e.room_id = (SELECT id FROM rooms WHERE name = \(room)) AND e.id > \(lower) AND e.id < \(upper) AND e.kind IN ('message', 'action', 'notice') ORDER BY e.id \(unescaped: order) LIMIT \(Int64(limit))"
        )
        return newest ? rows.reversed() : rows
    }

    /// The id of the first event at or after `millis` (nil: none), or of the last one before it
    /// (`before`); times never go backwards (the counter row keeps the last one).
    public func eventID(atTime millis: Int64, before: Bool = false) async throws(StoreError) -> Int64? {
        if before {
            return try await integer("finding an event by time", "SELECT max(id) FROM events WHERE time_ms < \(millis)")
        }
        return try await integer("finding an event by time", "SELECT min(id) FROM events WHERE time_ms >= \(millis)")
    }
}

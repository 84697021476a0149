import ChatModel

/// How much happened in one room of one session. Private messages (the `Room.privateName` room)
/// are counted in a row of their own, whose `room` is empty; their text is never read.
public struct RoomCount: Sendable, Hashable, Codable {
    public var session: Int64
    /// The room's name as stored; empty for private messages.
    public var room: String
    /// Messages and actions.
    public var messages: Int
    public var joins: Int
    public var leaves: Int

    public init(session: Int64, room: String, messages: Int = 0, joins: Int = 0, leaves: Int = 0) {
        self.session = session
        self.room = room
        self.messages = messages
        self.joins = joins
        self.leaves = leaves
    }

    /// The row of private messages.
    public var isPrivate: Bool { room == Room.privateName }
}

extension EventReader {
    /// Counts per session and room (all sessions when `session` is nil), by session, then rooms by
    /// name with the private row last.
    public func roomCounts(session: Int64? = nil) throws(StoreError) -> [RoomCount] {
        let only = session == nil ? "" : "WHERE session_id = ?1"
        // Purged events still count for their session and room (`purged_counts`).
        let purged =
            try hasPurgeRecord()
            ? """
            UNION ALL
            SELECT session_id, room_id,
                   coalesce(sum(events) FILTER (WHERE kind IN ('message', 'action')), 0),
                   coalesce(sum(events) FILTER (WHERE kind = 'join'), 0),
                   coalesce(sum(events) FILTER (WHERE kind = 'leave'), 0)
            FROM purged_counts \(only) GROUP BY session_id, room_id
            """ : ""
        let stmt = try database.prepare(
            """
            SELECT c.session_id, r.name, sum(c.messages), sum(c.joins), sum(c.leaves)
            FROM (
                SELECT session_id, room_id,
                       count(*) FILTER (WHERE kind IN ('message', 'action', 'notice')) AS messages,
                       count(*) FILTER (WHERE kind = 'join') AS joins,
                       count(*) FILTER (WHERE kind = 'leave') AS leaves
                FROM events \(only) GROUP BY session_id, room_id
                \(purged)
            ) c JOIN rooms r ON r.id = c.room_id
            GROUP BY c.session_id, r.id
            ORDER BY c.session_id, r.name = '', r.name
            """)
        if let session { stmt.bind(session, at: 1) }
        var result: [RoomCount] = []
        while try stmt.step() {
            result.append(
                RoomCount(
                    session: stmt.int64(0), room: stmt.string(1), messages: Int(stmt.int64(2)),
                    joins: Int(stmt.int64(3)), leaves: Int(stmt.int64(4))))
        }
        return result
    }

    /// The stored name of the room `typed` names, compared without case and with `#` optional
    /// (`Room.name`, `Room.key`); nil when the database has no such room.
    public func roomName(matching typed: String) throws(StoreError) -> String? {
        guard case .success(let name) = Room.name(typed) else { return nil }
        return try roomNames().first { Room.key($0) == Room.key(name) }
    }

    /// The rooms (not the private one) that hold events `filter` selects, by name.
    public func rooms(selectedBy filter: EventFilter) throws(StoreError) -> [String] {
        var unlimited = filter
        unlimited.limit = nil
        let clause = unlimited.sql.clause
        // Without conditions, the rooms table answers at once (a room exists once it has an event).
        let stmt = try database.prepare(
            clause.isEmpty
                ? "SELECT name FROM rooms ORDER BY name"
                : "SELECT DISTINCT r.name FROM events e JOIN rooms r ON r.id = e.room_id" + clause + " ORDER BY r.name")
        unlimited.bindParameters(to: stmt)
        var names: [String] = []
        while try stmt.step() {
            let name = stmt.string(0)
            if name != Room.privateName { names.append(name) }
        }
        return names
    }
}

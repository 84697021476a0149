import ChatModel
import ChatStore

extension PostgresEventReader {
    /// What says who is in which room on the nodes running now: the joins, leaves, renames, room
    /// kicks and mode changes of every `running` session with a presence (it heartbeats, so it is
    /// reaped if it dies) other than `session`, through event `last`, in id order. A node starting
    /// on a shared database hands them to its `ChatDirectory` (`committed`) before following the
    /// record from `last`.
    public func membershipEvents(besides session: Int64?, through last: Int64) async throws(StoreError) -> [Event] {
        try await events(
            "reading the members of the running nodes",
            """
            \(unescaped: PostgresRows.eventColumns) JOIN sessions s ON s.id = e.session_id
            WHERE s.state = 'running' AND s.heartbeat_ms IS NOT NULL AND s.id IS DISTINCT FROM \(session) AND e.id <= \(last)
            AND e.kind IN ('join', 'leave', 'rename', 'room_kick', 'mode') ORDER BY e.id
            """
        )
    }
}

extension PostgresReaderPool {
    /// `PostgresEventReader.membershipEvents(besides:through:)`, on the next reader.
    public func membershipEvents(besides session: Int64?, through last: Int64) async throws(StoreError) -> [Event] {
        try await next.membershipEvents(besides: session, through: last)
    }
}

import ChatModel
import ChatStore
import PostgresNIO

/// The reads of an export (`chat-replay` on PostgreSQL): the events an `EventFilter` selects, the
/// rooms they are in, and the counts per session and room; the same answers as `EventReader`'s.
extension PostgresEventReader {
    /// The events `filter` selects, oldest first, at most `filter.limit` of them.
    public func events(_ filter: EventFilter) async throws(StoreError) -> [Event] {
        let (conditions, binds) = Self.conditions(of: filter)
        let limit = filter.limit.map { " LIMIT \(max(0, $0))" } ?? ""
        let sql = "\(PostgresRows.eventColumns)\(conditions) ORDER BY e.id\(limit)"
        return try await events("events of an export", PostgresQuery(unsafeSQL: sql, binds: binds))
    }

    /// The rooms (not the private one) that hold events `filter` selects, by name.
    public func rooms(selectedBy filter: EventFilter) async throws(StoreError) -> [String] {
        let (conditions, binds) = Self.conditions(of: filter)
        let sql =
            "SELECT DISTINCT r.name COLLATE \"C\" FROM events e JOIN rooms r ON r.id = e.room_id\(conditions) ORDER BY 1"
        return try await strings("rooms of an export", PostgresQuery(unsafeSQL: sql, binds: binds))
            .filter { $0 != Room.privateName }
    }

    /// Counts per session and room, by session, then rooms by name with the private row last.
    /// Purged events still count for their session and room (`purged_counts`), as on SQLite.
    public func roomCounts() async throws(StoreError) -> [RoomCount] {
        let purged =
            try await hasPurgeRecord()
            ? """
            UNION ALL
            SELECT session_id, room_id,
                   coalesce(sum(events) FILTER (WHERE kind IN ('message', 'action')), 0),
                   coalesce(sum(events) FILTER (WHERE kind = 'join'), 0),
                   coalesce(sum(events) FILTER (WHERE kind = 'leave'), 0)
            FROM purged_counts GROUP BY session_id, room_id
            """ : ""
        let query: PostgresQuery = """
            SELECT c.session_id, r.name, sum(c.messages)::BIGINT, sum(c.joins)::BIGINT, sum(c.leaves)::BIGINT
            FROM (
                SELECT session_id, room_id,
                       count(*) FILTER (WHERE kind IN ('message', 'action', 'notice')) AS messages,
                       count(*) FILTER (WHERE kind = 'join') AS joins,
                       count(*) FILTER (WHERE kind = 'leave') AS leaves
                FROM events GROUP BY session_id, room_id
                \(unescaped: purged)
            ) c JOIN rooms r ON r.id = c.room_id
            GROUP BY c.session_id, r.name
            ORDER BY c.session_id, r.name = '', r.name COLLATE "C"
            """
        return try await link.run("counts per room") { connection in
            var counts: [RoomCount] = []
            for try await row in try await connection.query(query, logger: self.link.logger) {
                let (session, room, messages, joins, leaves) = try row.decode(
                    (Int64, String, Int64, Int64, Int64).self)
                counts.append(
                    RoomCount(
                        session: session, room: room, messages: Int(messages), joins: Int(joins), leaves: Int(leaves)))
            }
            return counts
        }
    }

    /// ` WHERE …` for `filter` and its parameters. Tags-only messages (`tag_message`) are passed
    /// over, as `EventReader`'s reads do: the follower hands them on live, no export or replay shows them.
    static func conditions(of filter: EventFilter) -> (String, PostgresBindings) {
        var binds = PostgresBindings()
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var conditions = ["e.kind <> 'tag_message'"]
        if let session = filter.session { conditions.append("e.session_id = \(bind(session))") }
        if let afterID = filter.afterID { conditions.append("e.id > \(bind(afterID))") }
        if let since = filter.sinceMillis { conditions.append("e.time_ms >= \(bind(since))") }
        if let until = filter.untilMillis { conditions.append("e.time_ms < \(bind(until))") }
        if let room = filter.room { conditions.append("r.name = \(bind(room))") }
        if !filter.includePrivate { conditions.append("e.recipient IS NULL") }
        if !filter.users.isEmpty { conditions.append("e.\"user\" = ANY(\(bind(filter.users))::text[])") }
        if !filter.kinds.isEmpty {
            conditions.append("e.kind = ANY(\(bind(filter.kinds.map(\.rawValue).sorted()))::text[])")
        }
        return (" WHERE " + conditions.joined(separator: " AND "), binds)
    }

    private func strings(_ what: String, _ query: PostgresQuery) async throws(StoreError) -> [String] {
        try await link.run(what) { connection in
            var values: [String] = []
            for try await row in try await connection.query(query, logger: self.link.logger) {
                values.append(try row.decode(String.self))
            }
            return values
        }
    }
}

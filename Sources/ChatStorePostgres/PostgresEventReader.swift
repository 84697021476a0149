import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// Read queries on a connection of their own: catch-up, history, the tail and sessions. The
/// same questions, with the same answers, as the SQLite `EventReader` the core uses; each is one
/// statement, so it sees one snapshot. Tasks may share a reader: their queries queue on its
/// connection (`PostgresReaderPool` spreads them over a few).
public final class PostgresEventReader: Sendable {
    let link: PostgresLink

    /// A reader of the database at `address`; it connects on its first query, and again after
    /// its connection was lost.
    public convenience init(address: PostgresAddress, logger: Logger = Logger(label: "chat.store.postgres")) {
        self.init(link: PostgresLink(address: address, role: "reader", logger: logger))
    }

    init(link: PostgresLink) {
        self.link = link
    }

    /// Closes the reader's connection.
    public func close() async { await link.drop() }

    /// The last `limit` events of `room`, oldest first.
    public func recent(room: String = Room.defaultName, limit: Int) async throws(StoreError) -> [Event] {
        guard limit > 0 else { return [] }
        let newest = try await events(
            "recent events",
            "\(unescaped: PostgresRows.eventColumns) WHERE e.room_id = (SELECT id FROM rooms WHERE name = \(room)) AND e.kind <> 'tag_message' ORDER BY e.id DESC LIMIT \(Int64(limit))"
        )
        return newest.reversed()
    }

    /// Up to `limit` events of `room` with ids above `id`, oldest first (resume after a reconnect).
    public func events(room: String = Room.defaultName, after id: Int64, limit: Int) async throws(StoreError) -> [Event]
    {
        try await events(
            "events after an id",
            "\(unescaped: PostgresRows.eventColumns) WHERE e.room_id = (SELECT id FROM rooms WHERE name = \(room)) AND e.id > \(id) AND e.kind <> 'tag_message' ORDER BY e.id LIMIT \(Int64(limit))"
        )
    }

    /// Up to `limit` events of `room` with ids above `id` and at most `last`, oldest first (a
    /// page of a catch-up).
    public func events(
        room: String = Room.defaultName, after id: Int64, through last: Int64, limit: Int
    ) async throws(StoreError) -> [Event] {
        try await events(
            "a page of a catch-up",
            "\(unescaped: PostgresRows.eventColumns) WHERE e.room_id = (SELECT id FROM rooms WHERE name = \(room)) AND e.id > \(id) AND e.id <= \(last) AND e.kind <> 'tag_message' ORDER BY e.id LIMIT \(Int64(limit))"
        )
    }

    /// Up to `limit` events of every room, private messages too, with ids above `id`, oldest
    /// first: the tail of the record, as a follower reads it. The only read that returns
    /// tags-only messages (`tag_message`, IRC's TAGMSG), which are relayed live but, as in
    /// SQLite's `EventReader`, never part of history, a catch-up or a count.
    public func events(after id: Int64, limit: Int) async throws(StoreError) -> [Event] {
        try await events(
            "the tail of the record",
            "\(unescaped: PostgresRows.eventColumns) WHERE e.id > \(id) ORDER BY e.id LIMIT \(Int64(limit))")
    }

    /// How many events of `room` have ids above `id` and at most `last`.
    public func count(room: String = Room.defaultName, after id: Int64, through last: Int64) async throws(StoreError)
        -> Int
    {
        Int(
            try await integer(
                "counting a catch-up",
                "SELECT count(*) FROM events WHERE room_id = (SELECT id FROM rooms WHERE name = \(room)) AND id > \(id) AND id <= \(last) AND kind <> 'tag_message'"
            ) ?? 0)
    }

    /// The id of the `n`th last event of `room` (1: the last one), nil when it has fewer.
    public func eventID(room: String = Room.defaultName, fromEnd n: Int) async throws(StoreError) -> Int64? {
        try await integer(
            "finding an event from the end",
            "SELECT id FROM events WHERE room_id = (SELECT id FROM rooms WHERE name = \(room)) AND kind <> 'tag_message' ORDER BY id DESC LIMIT 1 OFFSET \(Int64(max(n - 1, 0)))"
        )
    }

    /// The highest event id, 0 when there is none. Every id up to it is visible (the counter
    /// row: ids become visible in order).
    public func lastEventID() async throws(StoreError) -> Int64 {
        try await integer("reading the last event id", "SELECT coalesce(max(id), 0) FROM events") ?? 0
    }

    /// The private messages `name` sent or received with ids above `id` and at most `last`,
    /// oldest first, up to `limit` (a reconnect's catch-up).
    public func privateEvents(
        of name: String, after id: Int64, through last: Int64, limit: Int
    ) async throws(StoreError) -> [Event] {
        try await events(
            "private messages",
            "\(unescaped: PostgresRows.eventColumns) WHERE e.recipient IS NOT NULL AND (e.recipient = \(name) OR e.\"user\" = \(name)) AND e.id > \(id) AND e.id <= \(last) AND e.kind <> 'tag_message' ORDER BY e.id LIMIT \(Int64(limit))"
        )
    }

    /// Every room's name (not the '' of private messages), in the order they were made.
    public func roomNames() async throws(StoreError) -> [String] {
        try await link.run("reading room names") { connection in
            var names: [String] = []
            let rows = try await connection.query(
                "SELECT name FROM rooms WHERE name <> '' ORDER BY id", logger: self.link.logger)
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
    }

    /// Each room's current topic: its last topic event (rooms without one are left out).
    public func topics() async throws(StoreError) -> [Event] {
        try await events(
            "reading topics",
            "\(unescaped: PostgresRows.eventColumns) WHERE e.id IN (SELECT max(id) FROM events WHERE kind = 'topic' GROUP BY room_id) ORDER BY e.id"
        )
    }

    /// Every session, oldest first, with its counts.
    public func sessions() async throws(StoreError) -> [Session] {
        let columns = Self.sessionColumns(purged: try await hasPurgeRecord())
        return try await sessions("reading sessions", "\(unescaped: columns) ORDER BY s.id")
    }

    /// One session, nil when there is no such session.
    public func session(_ id: Int64) async throws(StoreError) -> Session? {
        let columns = Self.sessionColumns(purged: try await hasPurgeRecord())
        return try await sessions("reading a session", "\(unescaped: columns) WHERE s.id = \(id)").first
    }

    /// The newest session's id.
    public func latestSessionID() async throws(StoreError) -> Int64? {
        try await integer("reading the latest session", "SELECT max(id) FROM sessions")
    }

    /// True when the database has retention's record (`PostgresPurge`, schema 3): readers never
    /// migrate, and a database an older node made has none.
    func hasPurgeRecord() async throws(StoreError) -> Bool {
        try await integer(
            "looking for the purge record",
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'purged_counts'") == 1
    }

    /// A session's counts are those of its events plus those of its purged events, as on SQLite.
    private static func sessionColumns(purged: Bool) -> String {
        func count(_ kinds: String) -> String {
            let kept = "(SELECT count(*) FROM events WHERE session_id = s.id AND kind \(kinds))"
            guard purged else { return kept }
            return kept
                + " + (SELECT coalesce(sum(events), 0) FROM purged_counts WHERE session_id = s.id AND kind \(kinds))::BIGINT"
        }
        let participants =
            purged
            ? "(SELECT count(*) FROM (SELECT \"user\" FROM events WHERE session_id = s.id"
                + " UNION SELECT \"user\" FROM purged_users WHERE session_id = s.id) u)"
            : "(SELECT count(DISTINCT \"user\") FROM events WHERE session_id = s.id)"
        let gone =
            purged
            ? "(SELECT coalesce(sum(events), 0) FROM purged_counts WHERE session_id = s.id)::BIGINT" : "0::BIGINT"
        return """
            SELECT s.id, s.started_ms, s.ended_ms, s.state, s.host, s.port, s.version,
                \(count("IN ('message', 'action', 'notice')")), \(count("= 'join'")), \(count("= 'leave'")),
                \(participants), \(gone)
            FROM sessions s
            """
    }

    private func sessions(_ what: String, _ query: PostgresQuery) async throws(StoreError) -> [Session] {
        try await link.run(what) { connection in
            var sessions: [Session] = []
            for try await row in try await connection.query(query, logger: self.link.logger) {
                let (id, started, ended, state, host, port, version, messages, joins, leaves, people, purged) =
                    try row.decode(
                        (Int64, Int64, Int64?, String, String, Int32, String, Int64, Int64, Int64, Int64, Int64).self)
                sessions.append(
                    Session(
                        id: id, startedMillis: started, endedMillis: ended,
                        state: Session.State(rawValue: state) ?? .unclean,
                        host: host, port: Int(port), version: version, messages: Int(messages), joins: Int(joins),
                        leaves: Int(leaves), participants: Int(people), purged: Int(purged)))
            }
            return sessions
        }
    }

    /// The size of the database on disk, in bytes (`pg_database_size`): every table and index of
    /// the record, for a server's metrics.
    public func databaseBytes() async throws(StoreError) -> Int64 {
        try await integer("measuring the database", "SELECT pg_database_size(current_database())") ?? 0
    }

    func events(_ what: String, _ query: PostgresQuery) async throws(StoreError) -> [Event] {
        try await link.run(what) { connection in
            try await PostgresRows.events(try await connection.query(query, logger: self.link.logger))
        }
    }

    func integer(_ what: String, _ query: PostgresQuery) async throws(StoreError) -> Int64? {
        try await link.run(what) { connection in
            let rows = try await connection.query(query, logger: self.link.logger).collect()
            return try rows.first?.decode(Int64?.self) ?? nil
        }
    }
}

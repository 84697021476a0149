import ChatStore
import Logging
import PostgresNIO

/// Retention's record (`PostgresPurge`'s tables) as rows, rooms by name: read for a backup and
/// to check a migration, written by a migration in its transaction, purges with their ids.
enum PostgresPurgeRecord {
    /// Every row, in `PurgeRecordRows`' order (names in byte order, as SQLite sorts them); none
    /// when the database has no purge record yet (before schema step 4).
    static func read(on connection: PostgresConnection, logger: Logger) async throws -> PurgeRecordRows {
        let tables = try await connection.query(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'purges'",
            logger: logger
        ).collect().first?.decode(Int64.self)
        guard tables == 1 else { return PurgeRecordRows() }
        var record = PurgeRecordRows()
        let purges = try await connection.query(
            "SELECT id, time_ms, by, room, cutoff_ms, events, first_id, last_id FROM purges ORDER BY id",
            logger: logger)
        for try await (id, time, by, room, cutoff, events, first, last) in purges.decode(
            (Int64, Int64, String, String, Int64, Int64, Int64, Int64).self)
        {
            record.purges.append(
                PurgeReport(
                    id: id, timeMillis: time, by: by, room: room, cutoffMillis: cutoff, events: Int(events),
                    firstID: first, lastID: last))
        }
        let counts = try await connection.query(
            """
            SELECT c.session_id, r.name, c.kind, c.events FROM purged_counts c JOIN rooms r ON r.id = c.room_id
            ORDER BY c.session_id, r.name COLLATE "C", c.kind COLLATE "C"
            """, logger: logger)
        for try await (session, room, kind, events) in counts.decode((Int64, String, String, Int64).self) {
            record.counts.append(PurgeRecordRows.Count(session: session, room: room, kind: kind, events: events))
        }
        let users = try await connection.query(
            "SELECT session_id, \"user\" FROM purged_users ORDER BY session_id, \"user\" COLLATE \"C\"",
            logger: logger)
        for try await (session, user) in users.decode((Int64, String).self) {
            record.users.append(PurgeRecordRows.User(session: session, user: user))
        }
        return record
    }

    /// Inserts `record` as it is, `rooms` naming every room of its counts; the purges' sequence
    /// moves past their ids.
    static func insert(
        _ record: PurgeRecordRows, rooms: [String: Int64], on connection: PostgresConnection, logger: Logger
    ) async throws {
        let purges = record.purges
        try await connection.query(
            """
            INSERT INTO purges (id, time_ms, by, room, cutoff_ms, events, first_id, last_id)
            SELECT * FROM unnest(\(purges.map(\.id))::bigint[], \(purges.map(\.timeMillis))::bigint[],
                \(purges.map(\.by))::text[], \(purges.map(\.room))::text[], \(purges.map(\.cutoffMillis))::bigint[],
                \(purges.map { Int64($0.events) })::bigint[], \(purges.map(\.firstID))::bigint[],
                \(purges.map(\.lastID))::bigint[])
            """, logger: logger)
        try await connection.query(
            "SELECT setval('purges_id_seq', greatest((SELECT max(id) FROM purges), 1))", logger: logger)
        let counts = record.counts
        try await connection.query(
            """
            INSERT INTO purged_counts (session_id, room_id, kind, events)
            SELECT * FROM unnest(\(counts.map(\.session))::bigint[], \(counts.map { rooms[$0.room] ?? 0 })::bigint[],
                \(counts.map(\.kind))::text[], \(counts.map(\.events))::bigint[])
            """, logger: logger)
        let users = record.users
        try await connection.query(
            """
            INSERT INTO purged_users (session_id, "user")
            SELECT * FROM unnest(\(users.map(\.session))::bigint[], \(users.map(\.user))::text[])
            """, logger: logger)
    }
}

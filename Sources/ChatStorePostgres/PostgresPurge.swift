import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// Retention on PostgreSQL: SQLite's `RetentionPurge` rules and record (docs/STORAGE.md,
/// "Retention"), run by one node at a time. A pass holds `pg_try_advisory_lock(lock)` on a
/// connection of its own: a node that finds it taken skips the pass, and a dead node's lock goes
/// with its connection. Events go room by room in transactions of at most `batchSize`, each
/// recorded (`purges`, `purged_counts`, `purged_users`) in the transaction that deletes it. A
/// delete never touches the counter row: commits go on during a purge.
///
/// An event is purged when `time_ms < now - limit`; kept whatever their age are the newest event
/// of the record and each room's current topic, as on SQLite.
public struct PostgresPurge: Sendable {
    /// Retention's tables, as SQLite's schema 4.
    static let schema = """
        CREATE TABLE purges (
            id         BIGSERIAL PRIMARY KEY,
            time_ms    BIGINT NOT NULL,
            by         TEXT NOT NULL,
            room       TEXT NOT NULL,
            cutoff_ms  BIGINT NOT NULL,
            events     BIGINT NOT NULL,
            first_id   BIGINT NOT NULL,
            last_id    BIGINT NOT NULL
        );
        CREATE TABLE purged_counts (
            session_id  BIGINT NOT NULL REFERENCES sessions(id),
            room_id     BIGINT NOT NULL REFERENCES rooms(id),
            kind        TEXT NOT NULL,
            events      BIGINT NOT NULL,
            PRIMARY KEY (session_id, room_id, kind)
        );
        CREATE TABLE purged_users (
            session_id  BIGINT NOT NULL REFERENCES sessions(id),
            "user"      TEXT NOT NULL,
            PRIMARY KEY (session_id, "user")
        );
        """

    /// The advisory lock a purge pass holds: one node purges at a time.
    public static let lock: Int64 = PostgresSchema.migrationLock + 1

    public let address: PostgresAddress
    public let batchSize: Int
    let logger: Logger

    public init(
        address: PostgresAddress, batchSize: Int = Purger.defaultBatchSize,
        logger: Logger = Logger(label: "chat.store.postgres")
    ) {
        self.address = address
        self.batchSize = max(1, batchSize)
        self.logger = logger
    }

    /// Purges every room once, unless another node is purging (nil then). `between` runs after
    /// each delete transaction and says whether to go on.
    public func run(
        policy: RetentionPolicy, now: Int64, by: String = "retention", between: @Sendable () async -> Bool = { true }
    ) async throws(StoreError) -> PurgeRun? {
        try await PostgresLink.once(address, role: "purger", logger: logger, "purging old events") { connection in
            let locked = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lock))", logger: logger)
                .collect().first?.decode(Bool.self)
            guard locked == true else { return nil }
            let run = try await pass(on: connection, policy: policy, now: now, by: by, between: between)
            try await connection.query("SELECT pg_advisory_unlock(\(Self.lock))", logger: logger)
            return run
        }
    }

    private func pass(
        on connection: PostgresConnection, policy: RetentionPolicy, now: Int64, by: String,
        between: () async -> Bool
    ) async throws -> PurgeRun {
        let started = ContinuousClock.now
        var run = PurgeRun()
        let newest = try await integer(on: connection, "SELECT coalesce(max(id), 0) FROM events") ?? 0
        var rooms: [(Int64, String)] = []
        for try await room in try await connection.query("SELECT id, name FROM rooms ORDER BY id", logger: logger)
            .decode((Int64, String).self)
        {
            rooms.append(room)
        }
        var going = true
        for (roomID, room) in rooms where going {
            guard let limit = policy.millis(forRoom: room) else { continue }
            let cutoff = now - limit
            let first = try await integer(on: connection, "SELECT min(id) FROM events WHERE time_ms >= \(cutoff)")
            let boundary = min(first ?? newest, newest)
            var report: PurgeReport?
            while going {
                let batchStarted = ContinuousClock.now
                let deleted = try await connection.withTransaction(logger: logger) { connection in
                    try await batch(
                        on: connection, room: (roomID, room), below: boundary, cutoff: cutoff, now: now, by: by,
                        report: &report)
                }
                guard deleted > 0 else { break }
                run.batches += 1
                run.longestBatchMillis = max(run.longestBatchMillis, Self.millis(since: batchStarted))
                going = await between()
            }
            if let report { run.reports.append(report) }
        }
        run.millis = Self.millis(since: started)
        return run
    }

    /// One delete transaction of at most `batchSize` events of `room` below `boundary` and
    /// before `cutoff`, with its record: how many it deleted.
    private func batch(
        on connection: PostgresConnection, room: (id: Int64, name: String), below boundary: Int64, cutoff: Int64,
        now: Int64, by: String, report: inout PurgeReport?
    ) async throws -> Int {
        let (roomID, limit) = (room.id, Int64(batchSize))
        let rows = try await connection.query(
            """
            WITH gone AS (
                DELETE FROM events WHERE id IN (
                    SELECT id FROM events
                    WHERE room_id = \(roomID) AND id < \(boundary) AND time_ms < \(cutoff)
                      AND id IS DISTINCT FROM (SELECT max(id) FROM events WHERE room_id = \(roomID) AND kind = 'topic')
                    ORDER BY id LIMIT \(limit))
                RETURNING id, session_id, kind, "user"),
            counted AS (
                INSERT INTO purged_counts (session_id, room_id, kind, events)
                SELECT session_id, \(roomID), kind, count(*) FROM gone GROUP BY session_id, kind
                ON CONFLICT (session_id, room_id, kind) DO UPDATE SET events = purged_counts.events + excluded.events),
            named AS (
                INSERT INTO purged_users (session_id, "user") SELECT DISTINCT session_id, "user" FROM gone
                ON CONFLICT DO NOTHING)
            SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM gone
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return 0 }
        let (count, first, last) = try row.decode((Int64, Int64, Int64).self)
        guard count > 0 else { return 0 }
        if var current = report {
            try await connection.query(
                """
                UPDATE purges SET events = events + \(count), first_id = least(first_id, \(first)),
                    last_id = greatest(last_id, \(last))
                WHERE id = \(current.id)
                """, logger: logger)
            current.events += Int(count)
            (current.firstID, current.lastID) = (min(current.firstID, first), max(current.lastID, last))
            report = current
        } else {
            let id = try await connection.query(
                """
                INSERT INTO purges (time_ms, by, room, cutoff_ms, events, first_id, last_id)
                VALUES (\(now), \(by), \(room.name), \(cutoff), \(count), \(first), \(last)) RETURNING id
                """, logger: logger
            ).collect().first?.decode(Int64.self)
            report = PurgeReport(
                id: id ?? 0, timeMillis: now, by: by, room: room.name, cutoffMillis: cutoff, events: Int(count),
                firstID: first, lastID: last)
        }
        return Int(count)
    }

    private func integer(on connection: PostgresConnection, _ query: PostgresQuery) async throws -> Int64? {
        try await connection.query(query, logger: logger).collect().first?.decode(Int64?.self)
    }

    private static func millis(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start) / .milliseconds(1)
    }
}

import ChatModel

/// Deletes the events a `RetentionPolicy` no longer keeps, room by room, in transactions of at
/// most `batchSize` events, each recorded (`purges`, `purged_counts`, `purged_users`) in the
/// same transaction as its delete; then gives the freed pages back (incremental vacuum).
///
/// An event is purged when `time_ms < now - limit` (one exactly at the limit is kept). Kept
/// whatever their age: the newest event of the whole record (SQLite numbers a new row after
/// the highest id, so it holds the ids' high-water mark and no id is ever given twice), and each
/// room's current topic (its last topic event). Deletes go row by row through `DELETE FROM
/// events`, so triggers on `events` (search entries) fire for every row.
final class RetentionPurge {
    let database: Database
    private let turn: WriteTurn?
    private let batchSize: Int
    private let vacuumPages: Int

    init(database: Database, turn: WriteTurn?, batchSize: Int = Purger.defaultBatchSize, vacuumPages: Int = 32) {
        self.database = database
        self.turn = turn
        self.batchSize = max(1, batchSize)
        self.vacuumPages = max(1, vacuumPages)
    }

    /// Purges every room once. `between` runs after each transaction (the purger yields there)
    /// and says whether to go on.
    func run(
        policy: RetentionPolicy, now: Int64, by: String = "retention", between: () -> Bool = { true }
    ) throws(StoreError) -> PurgeRun {
        let started = ContinuousClock.now
        var run = PurgeRun()
        let newest = try database.integer("SELECT coalesce(max(id), 0) FROM events")
        var going = true
        for (roomID, room) in try rooms() where going {
            guard let limit = policy.millis(forRoom: room) else { continue }
            let cutoff = now - limit
            let boundary = min(try firstID(atOrAfter: cutoff) ?? newest, newest)
            var report: PurgeReport?
            while going {
                let (deleted, millis) = try batch(
                    room: (roomID, room), below: boundary, cutoff: cutoff, now: now, by: by, report: &report)
                guard deleted > 0 else { break }
                run.batches += 1
                run.longestBatchMillis = max(run.longestBatchMillis, millis)
                going = between()
            }
            if let report { run.reports.append(report) }
        }
        if going { try vacuum(&run, between: between) }
        run.millis = Self.millis(since: started)
        return run
    }

    private func rooms() throws(StoreError) -> [(Int64, String)] {
        let stmt = try database.prepare("SELECT id, name FROM rooms ORDER BY id")
        var rooms: [(Int64, String)] = []
        while try stmt.step() { rooms.append((stmt.int64(0), stmt.string(1))) }
        return rooms
    }

    private func firstID(atOrAfter millis: Int64) throws(StoreError) -> Int64? {
        let stmt = try cached("SELECT min(id) FROM events WHERE time_ms >= ?")
        stmt.bind(millis, at: 1)
        defer { stmt.reset() }
        return try stmt.step() ? stmt.optionalInt64(0) : nil
    }

    /// One delete transaction of at most `batchSize` events of `room` with ids below `boundary`
    /// and times before `cutoff`: how many it deleted, and how long it held the write lock.
    private func batch(
        room: (id: Int64, name: String), below boundary: Int64, cutoff: Int64, now: Int64, by: String,
        report: inout PurgeReport?
    ) throws(StoreError) -> (Int, Double) {
        var current = report
        let body = { () throws(StoreError) -> (Int, Double) in
            let started = ContinuousClock.now
            let deleted = try self.database.transaction { () throws(StoreError) -> Int in
                try self.deleteAndRecord(
                    room: room, below: boundary, cutoff: cutoff, now: now, by: by, report: &current)
            }
            return (deleted, Self.millis(since: started))
        }
        let outcome: (Int, Double)
        if let turn { outcome = try turn.asBackground(body) } else { outcome = try body() }
        report = current
        return outcome
    }

    private func deleteAndRecord(
        room: (id: Int64, name: String), below boundary: Int64, cutoff: Int64, now: Int64, by: String,
        report: inout PurgeReport?
    ) throws(StoreError) -> Int {
        let delete = try cached(
            """
            DELETE FROM events WHERE id IN (
                SELECT id FROM events
                WHERE room_id = ?1 AND id < ?2 AND time_ms < ?3
                  AND id IS NOT (SELECT max(id) FROM events WHERE room_id = ?1 AND kind = 'topic')
                ORDER BY id LIMIT ?4)
            RETURNING id, session_id, kind, user
            """)
        delete.bind([room.id, boundary, cutoff, Int64(batchSize)])
        var counts: [Int64: [String: Int64]] = [:]
        var users = Set<UserKey>()
        var (first, last, deleted) = (Int64.max, Int64.min, 0)
        while try delete.step() {
            let (id, session) = (delete.int64(0), delete.int64(1))
            counts[session, default: [:]][delete.string(2), default: 0] += 1
            users.insert(UserKey(session: session, user: delete.string(3)))
            (first, last, deleted) = (min(first, id), max(last, id), deleted + 1)
        }
        delete.reset()
        guard deleted > 0 else { return 0 }
        try record(counts: counts, users: users, room: room.id)
        if var current = report {
            let update = try cached(
                "UPDATE purges SET events = events + ?, first_id = min(first_id, ?), last_id = max(last_id, ?) WHERE id = ?"
            )
            update.bind([Int64(deleted), first, last, current.id])
            try update.step()
            update.reset()
            current.events += deleted
            current.firstID = min(current.firstID, first)
            current.lastID = max(current.lastID, last)
            report = current
        } else {
            let insert = try cached(
                """
                INSERT INTO purges (time_ms, by, room, cutoff_ms, events, first_id, last_id)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
                """)
            insert.bind(now, at: 1)
            insert.bind(by, at: 2)
            insert.bind(room.name, at: 3)
            insert.bind(cutoff, at: 4)
            insert.bind(Int64(deleted), at: 5)
            insert.bind(first, at: 6)
            insert.bind(last, at: 7)
            guard try insert.step() else { throw StoreError(.notFound, path: database.path, message: "no purge row") }
            let id = insert.int64(0)
            insert.reset()
            report = PurgeReport(
                id: id, timeMillis: now, by: by, room: room.name, cutoffMillis: cutoff, events: deleted,
                firstID: first, lastID: last)
        }
        return deleted
    }

    /// What the deleted events counted for their sessions, kept for the sessions listing.
    private func record(counts: [Int64: [String: Int64]], users: Set<UserKey>, room: Int64) throws(StoreError) {
        let count = try cached(
            """
            INSERT INTO purged_counts (session_id, room_id, kind, events) VALUES (?, ?, ?, ?)
            ON CONFLICT (session_id, room_id, kind) DO UPDATE SET events = events + excluded.events
            """)
        for (session, kinds) in counts {
            for (kind, events) in kinds {
                count.bind(session, at: 1)
                count.bind(room, at: 2)
                count.bind(kind, at: 3)
                count.bind(events, at: 4)
                try count.step()
                count.reset()
            }
        }
        let user = try cached("INSERT OR IGNORE INTO purged_users (session_id, user) VALUES (?, ?)")
        for key in users {
            user.bind(key.session, at: 1)
            user.bind(key.user, at: 2)
            try user.step()
            user.reset()
        }
    }

    /// Gives free pages back to the file system, `vacuumPages` per transaction (a file made
    /// without `auto_vacuum = INCREMENTAL` keeps them: see `Vacuum`).
    private func vacuum(_ run: inout PurgeRun, between: () -> Bool) throws(StoreError) {
        var free = try database.integer("PRAGMA freelist_count")
        defer { run.freePages = Int(free) }
        guard try database.integer("PRAGMA auto_vacuum") == 2 else { return }
        while free > 0 {
            let step = { () throws(StoreError) -> Double in
                let started = ContinuousClock.now
                try self.database.transaction { () throws(StoreError) in
                    try self.database.execute("PRAGMA incremental_vacuum(\(self.vacuumPages))")
                }
                return Self.millis(since: started)
            }
            let millis: Double
            if let turn { millis = try turn.asBackground(step) } else { millis = try step() }
            run.longestVacuumMillis = max(run.longestVacuumMillis, millis)
            let left = try database.integer("PRAGMA freelist_count")
            guard left < free else { break }
            run.vacuumedPages += Int(free - left)
            free = left
            guard between() else { break }
        }
    }

    private var statements: [String: Statement] = [:]

    private func cached(_ sql: String) throws(StoreError) -> Statement {
        if let stmt = statements[sql] {
            stmt.reset()
            return stmt
        }
        let stmt = try database.prepare(sql)
        statements[sql] = stmt
        return stmt
    }

    static func millis(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

private struct UserKey: Hashable {
    var session: Int64
    var user: String
}

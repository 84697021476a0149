import CSQLite
import Foundation

/// Fills the search index after commit, never inside one. A thread of its own, woken by the
/// writer's commits, waits until the writer is quiet (`pace`), then indexes the events above the watermark (`search_state.indexed_through`) in
/// batches of at most `batchEvents`, each one transaction that also moves the watermark: a
/// `kill -9` anywhere leaves index and watermark consistent, and the next start goes on from the
/// watermark. That catch-up also builds the index of a database that had none, with progress in
/// the log.
final class SearchIndexer: Sendable {
    /// Events looked at per transaction (the write lock is held for one batch).
    static let batchEvents: Int64 = 2000
    /// The writer counts as quiet after this long without a commit: the indexer works then, so
    /// it never competes with a busy writer for the write lock or the CPU.
    static let pace: TimeInterval = 0.05
    /// Events behind from which the indexer works while the writer is busy too, one batch a pace.
    static let forceLag: Int64 = 1_000_000

    private let state = Locked(State())

    private struct State {
        var commits = 0
        var stopping = false
        var finished = false
        var indexedThrough: Int64 = 0
    }

    /// `checkpointer` hears of each batch: the indexer's commits grow the WAL too, also when the
    /// writer is idle (a catch-up). Each batch takes its `turn` after any commit waiting, so a
    /// catch-up never holds the writer in SQLite's busy handler.
    init(
        path: String, checkpointer: Checkpointer?, turn: WriteTurn, log: (@Sendable (String) -> Void)?
    ) throws(StoreError) {
        let database = try Database(path: path, readOnly: false)
        try database.execute("PRAGMA synchronous = NORMAL")  // the index can always be rebuilt
        try database.execute("PRAGMA wal_autocheckpoint = 0")  // the Checkpointer's job, or `keepWALBounded`
        try database.execute("PRAGMA journal_size_limit = \(Checkpointer.walSizeLimit)")
        let batch = try Batch(database, turn: turn)
        let state = self.state
        state.withLock { $0.commits = 1 }  // catch up first
        startThread(name: "chat-store-indexer") {
            Self.run(batch, state: state, checkpointer: checkpointer, log: log ?? { _ in })
        }
    }

    /// Tells the indexer there are new events.
    func noteCommit() {
        let first = state.withLock { state in
            state.commits += 1
            return state.commits == 1
        }
        if first { state.broadcast() }
    }

    /// Stops the thread after the batch it is in (the rest waits for the next start).
    func stop() {
        state.withLock { $0.stopping = true }
        state.broadcast()
        state.withLock(when: \.finished) { _ in }
    }

    /// Waits until the index covers event `id`, at most until `deadline`; true when it does.
    func wait(through id: Int64, before deadline: Date) -> Bool {
        let settled: (State) -> Bool = { $0.indexedThrough >= id || $0.finished }
        return state.withLock(when: settled, before: deadline) { $0.indexedThrough >= id }
    }

    private static func run(
        _ batch: Batch, state: Locked<State>, checkpointer: Checkpointer?, log: @Sendable (String) -> Void
    ) {
        var progress: Progress?
        var behind: Int64 = 0
        outer: while true {
            let woken: (State) -> Bool = { $0.commits > 0 || $0.stopping }
            if behind == 0, state.withLock(when: woken, { $0.stopping }) { break }
            // Wait for a quiet writer: a pace without a commit (or the index far behind).
            while true {
                let (commits, stopping) = state.withLock(
                    when: \.stopping, before: Date(timeIntervalSinceNow: pace)
                ) { state in
                    defer { state.commits = 0 }
                    return (state.commits, state.stopping)
                }
                if stopping { break outer }
                if commits == 0 { break }
                behind = (try? batch.lag()) ?? behind
                if behind >= forceLag { break }
            }
            while true {
                do throws(StoreError) {
                    let step = try batch.indexNext()
                    checkpointer?.noteCommit()
                    batch.keepWALBounded()
                    defer {
                        state.withLock { $0.indexedThrough = step.through }
                        state.broadcast()
                    }
                    behind = step.behind
                    if progress == nil, step.behind > Self.batchEvents {
                        progress = Progress(total: step.behind + step.events, start: step.through - step.events)
                        log(
                            "search index: indexing \(step.behind + step.events) events from event \(step.through - step.events + 1)"
                        )
                    }
                    progress?.note(step, log: log)
                    if step.behind == 0 {
                        if let done = progress { done.finish(log: log) }
                        progress = nil
                        break
                    }
                } catch {
                    log("search index: a batch failed, trying again in a second: \(error)")
                    state.withLock(when: \.stopping, before: Date(timeIntervalSinceNow: 1)) { _ in }
                }
                // The writer is busy again: leave it the lock and the CPU until it is quiet,
                // unless far behind; then one batch a pace.
                let (commits, stopping) = state.withLock { state in
                    defer { state.commits = 0 }
                    return (state.commits, state.stopping)
                }
                if stopping { break outer }
                if commits > 0 {
                    if behind < forceLag { break }
                    state.withLock(when: \.stopping, before: Date(timeIntervalSinceNow: pace)) { _ in }
                }
            }
        }
        state.withLock { $0.finished = true }
        state.broadcast()
    }

    /// The prepared statements of one indexing step, on the indexer's own connection.
    private final class Batch {
        let database: Database
        let wal: String
        let watermark: Statement
        let bound: Statement
        let insert: Statement
        let advance: Statement
        let newest: Statement
        let turn: WriteTurn

        init(_ database: Database, turn: WriteTurn) throws(StoreError) {
            self.database = database
            self.turn = turn
            wal = database.walPath
            watermark = try database.prepare("SELECT indexed_through FROM search_state")
            bound = try database.prepare(
                "SELECT max(id), count(*) FROM (SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?)")
            insert = try database.prepare(
                "INSERT INTO event_search (rowid, text) SELECT id, text FROM events"
                    + " WHERE id > ? AND id <= ? AND kind IN \(Schema.searchKinds)")
            advance = try database.prepare("UPDATE search_state SET indexed_through = ?")
            newest = try database.prepare("SELECT coalesce(max(id), 0) FROM events")
        }

        struct Step {
            /// The watermark after the step.
            var through: Int64
            /// Events looked at.
            var events: Int64
            /// Events still above the watermark.
            var behind: Int64
        }

        /// Indexes the next batch above the watermark, in one transaction with the watermark's move.
        /// Batches back to back (a catch-up) leave the Checkpointer, which never waits for the
        /// lock, no moment to finish: past the limit, a passive checkpoint here, between batches,
        /// copies the log back, so the next batch starts it over (and `journal_size_limit` trims it).
        func keepWALBounded() {
            guard Checkpointer.fileSize(wal) > Checkpointer.walSizeLimit else { return }
            database.checkpoint(SQLITE_CHECKPOINT_PASSIVE)
        }

        /// Events above the watermark: the newest id minus it.
        func lag() throws(StoreError) -> Int64 {
            try value(newest) - value(watermark)
        }

        func indexNext() throws(StoreError) -> Step {
            try turn.asBackground { () throws(StoreError) -> Step in try indexNextInTurn() }
        }

        private func indexNextInTurn() throws(StoreError) -> Step {
            try database.transaction { () throws(StoreError) -> Step in
                let from = try value(watermark)
                bound.reset()
                bound.bind(from, at: 1)
                bound.bind(SearchIndexer.batchEvents, at: 2)
                defer { bound.reset() }
                guard try bound.step(), let through = bound.optionalInt64(0) else {
                    return Step(through: from, events: 0, behind: 0)
                }
                let events = bound.int64(1)
                bound.reset()
                insert.reset()
                insert.bind(from, at: 1)
                insert.bind(through, at: 2)
                try insert.step()
                advance.reset()
                advance.bind(through, at: 1)
                try advance.step()
                return Step(through: through, events: events, behind: max(0, try value(newest) - through))
            }
        }

        private func value(_ stmt: Statement) throws(StoreError) -> Int64 {
            stmt.reset()
            defer { stmt.reset() }
            return try stmt.step() ? stmt.int64(0) : 0
        }
    }

    /// A long catch-up's progress, logged every few seconds.
    private struct Progress {
        let total: Int64
        let start: Int64
        let began = Date()
        var logged = Date()
        var done: Int64 = 0

        init(total: Int64, start: Int64) {
            self.total = total
            self.start = start
        }

        mutating func note(_ step: Batch.Step, log: @Sendable (String) -> Void) {
            done += step.events
            guard Date().timeIntervalSince(logged) >= 5 else { return }
            logged = Date()
            let percent = Int(100 * Double(done) / Double(max(total, 1)))
            log("search index: \(done) of \(total) events indexed (\(min(percent, 100)) %)")
        }

        func finish(log: @Sendable (String) -> Void) {
            let seconds = String(format: "%.1f", Date().timeIntervalSince(began))
            log("search index: up to date (\(done) events indexed in \(seconds) s)")
        }
    }
}

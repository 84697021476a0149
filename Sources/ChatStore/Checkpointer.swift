import CSQLite
import Foundation

/// Moves WAL checkpoints off the writer and keeps the `-wal` file bounded.
///
/// SQLite would otherwise checkpoint inside a commit every thousand pages, and with
/// `synchronous=NORMAL` that checkpoint is the only fsync on the path: the commit that triggers
/// it, and every event waiting behind it, would wait for the disk. Here a thread of its own, a few
/// times a second while there are new commits, runs a passive checkpoint, which never blocks the
/// writer. Under steady traffic the writer seldom finds the log fully copied when it begins a
/// transaction, which is when SQLite would start the log over, so the file grows. Once it is above
/// `walSizeLimit`, a TRUNCATE checkpoint that does not wait empties it. That one holds the writer
/// off while it copies what was committed since the passive checkpoint a moment before (a few
/// pages and one fsync, once per `walSizeLimit` of log); while a reader pins the log it copies
/// nothing, fails at once, and is tried again every tick. Bound: `walSizeLimit` plus what the
/// writer appends in about one tick.
final class Checkpointer: Sendable {
    /// The size the `-wal` file is brought back to (also `PRAGMA journal_size_limit`): 4 MiB.
    static let walSizeLimit: Int64 = 4 << 20

    private let state = Locked(State())

    private struct State {
        var commits = 0
        var stopping = false
        var finished = false
    }

    /// `checkpointed` hears how long each checkpoint took (see `StoreObserver`).
    init(
        path: String, interval: TimeInterval = 0.2, walSizeLimit: Int64 = Checkpointer.walSizeLimit,
        checkpointed: (@Sendable (_ seconds: Double, _ truncate: Bool) -> Void)? = nil
    ) throws(StoreError) {
        // No busy wait: a checkpoint that would have to wait for the writer or a reader gives up
        // at once (a TRUNCATE one holds the writer off while it waits) and is tried again later.
        let database = try Database(path: path, readOnly: false, busyTimeoutMillis: 0)
        try database.execute("PRAGMA journal_size_limit = \(walSizeLimit)")
        // A connection opens the WAL with its first read; until then a checkpoint on it silently
        // does nothing (SQLite returns OK), which is what every checkpoint of this thread once did.
        _ = try database.integer("SELECT count(*) FROM sqlite_schema")
        let state = self.state
        startThread(name: "chat-store-checkpointer") {
            Self.run(
                database, state: state, interval: interval, walSizeLimit: walSizeLimit, checkpointed: checkpointed)
        }
    }

    /// Tells the checkpointer the WAL has grown.
    func noteCommit() {
        state.withLock { $0.commits += 1 }
    }

    /// Stops the thread (the store's close runs the final checkpoint).
    func stop() {
        state.withLock { $0.stopping = true }
        state.broadcast()
        state.withLock(when: \.finished) { _ in }
    }

    private static func run(
        _ database: Database, state: Locked<State>, interval: TimeInterval, walSizeLimit: Int64,
        checkpointed: (@Sendable (_ seconds: Double, _ truncate: Bool) -> Void)?
    ) {
        let wal = database.walPath
        var oversized = false
        /// Runs a checkpoint of `mode`, timed when someone listens.
        func checkpoint(_ mode: Int32) {
            guard let checkpointed else {
                database.checkpoint(mode)
                return
            }
            let started = StoreObserver.now()
            database.checkpoint(mode)
            checkpointed(Double(StoreObserver.now() - started) / 1e9, mode == SQLITE_CHECKPOINT_TRUNCATE)
        }
        while true {
            let (commits, stopping) = state.withLock(when: \.stopping, before: Date(timeIntervalSinceNow: interval)) {
                state in
                defer { state.commits = 0 }
                return (state.commits, state.stopping)
            }
            if stopping { break }
            guard commits > 0 || oversized else { continue }
            checkpoint(SQLITE_CHECKPOINT_PASSIVE)
            oversized = fileSize(wal) > walSizeLimit
            if oversized {
                checkpoint(SQLITE_CHECKPOINT_TRUNCATE)
                oversized = fileSize(wal) > walSizeLimit
            }
        }
        state.withLock { $0.finished = true }
        state.broadcast()
    }

    /// The size of a file in bytes, 0 when it does not exist.
    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}

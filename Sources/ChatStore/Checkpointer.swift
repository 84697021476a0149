import Foundation

/// Moves WAL checkpoints off the writer. SQLite would otherwise checkpoint inside a commit every
/// thousand pages, and with `synchronous=NORMAL` that checkpoint is the only fsync on the path:
/// the commit that triggers it, and every event waiting behind it, would wait for the disk. Here a
/// thread of its own runs a passive checkpoint, which never blocks the writer, a few times a second
/// while there are new commits.
final class Checkpointer: @unchecked Sendable {
    private let database: Database
    private let interval: TimeInterval
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var commits = 0
    private var stopping = false
    private var finished = false

    init(path: String, interval: TimeInterval = 0.2) throws(StoreError) {
        database = try Database(path: path, readOnly: false)
        self.interval = interval
        let thread = Thread { [self] in run() }
        thread.name = "chat-store-checkpointer"
        thread.start()
    }

    /// Tells the checkpointer the WAL has grown.
    func noteCommit() {
        condition.lock()
        commits += 1
        condition.unlock()
    }

    /// Stops the thread (the store's close runs the final checkpoint).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while !stopping {
            _ = condition.wait(until: Date(timeIntervalSinceNow: interval))
            guard commits > 0, !stopping else { continue }
            commits = 0
            condition.unlock()
            try? database.execute("PRAGMA wal_checkpoint(PASSIVE)")
            condition.lock()
        }
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}

import ChatModel
import Foundation

/// Runs retention off the hot path: a thread of its own, on a connection of its own, purges what
/// a `RetentionPolicy` no longer keeps (see `RetentionPurge`) when it starts and then every
/// `interval`. Each delete transaction takes its turn after any commit waiting (`WriteTurn`), so
/// the writer waits at most one batch (a few milliseconds), and the purger pauses between batches.
public final class Purger: Sendable {
    /// Events per delete transaction unless told otherwise.
    public static let defaultBatchSize = 200

    private let state = Locked(State())

    private struct State {
        var stopping = false
        var finished = false
        var wake = false

        var isWoken: Bool { stopping || wake }
    }

    /// Starts purging the database `writer` writes, at once and then every `interval` seconds,
    /// with the time `clock` gives (ms since the epoch). `onPurge` gets each run (most purge
    /// nothing), and `onError` each failure (the next run tries again), on the purger's thread.
    public init(
        writer: EventWriter, policy: RetentionPolicy, interval: TimeInterval = 60,
        batchSize: Int = Purger.defaultBatchSize, pause: TimeInterval = 0.001,
        clock: @escaping @Sendable () -> Int64 = currentTimeMillis,
        onPurge: @escaping @Sendable (PurgeRun) -> Void = { _ in },
        onError: @escaping @Sendable (StoreError) -> Void = { _ in }
    ) throws(StoreError) {
        let database = try Database(path: writer.path, readOnly: false)
        try database.execute("PRAGMA journal_size_limit = \(Checkpointer.walSizeLimit)")
        // No fsync while holding the write lock: a purge a power cut undoes is done again.
        try database.execute("PRAGMA synchronous = NORMAL")
        let purge = RetentionPurge(database: database, turn: writer.turn, batchSize: batchSize)
        let (state, checkpointer) = (self.state, writer.checkpointer)
        startThread(name: "chat-store-purger") {
            Self.run(
                purge, policy: policy, state: state, interval: interval, pause: pause, clock: clock,
                checkpointer: checkpointer, onPurge: onPurge, onError: onError)
        }
    }

    /// Runs a purge now instead of at the next interval (tests, and a clock that moved).
    public func purgeNow() {
        state.withLock { $0.wake = true }
        state.broadcast()
    }

    /// Stops the thread, within one batch.
    public func stop() {
        state.withLock { $0.stopping = true }
        state.broadcast()
        state.withLock(when: \.finished) { _ in }
    }

    private static func run(
        _ purge: RetentionPurge, policy: RetentionPolicy, state: Locked<State>, interval: TimeInterval,
        pause: TimeInterval, clock: () -> Int64, checkpointer: Checkpointer?,
        onPurge: (PurgeRun) -> Void, onError: (StoreError) -> Void
    ) {
        while true {
            do {
                let run = try purge.run(policy: policy, now: clock()) {
                    checkpointer?.noteCommit()
                    // A short pause: other writers (accounts, a sqlite3 shell) get the lock too.
                    return !state.withLock(when: \.stopping, before: Date(timeIntervalSinceNow: pause)) {
                        $0.stopping
                    }
                }
                onPurge(run)
            } catch {
                onError(error)
            }
            let stopping = state.withLock(
                when: \.isWoken, before: Date(timeIntervalSinceNow: interval)
            ) { state in
                state.wake = false
                return state.stopping
            }
            if stopping { break }
        }
        state.withLock { $0.finished = true }
        state.broadcast()
    }
}

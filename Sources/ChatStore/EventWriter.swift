import ChatModel
import Foundation

/// The one writer of a database. Events from every connection queue here; a dedicated thread
/// takes everything queued (up to `maxBatch`), commits it in one transaction, and only then hands
/// the committed batch, in id order, to `onCommit`. Under load batches grow by themselves, so the
/// cost of a commit is shared by more events (group commit); when idle each event commits alone.
public final class EventWriter: Sendable {
    /// Called with the outcome of one event, on the writer thread.
    public typealias Completion = @Sendable (Result<Event, StoreError>) -> Void

    /// The session every event of this writer belongs to.
    public let session: Int64
    /// The largest number of events committed in one transaction.
    public let maxBatch: Int

    let path: String
    let checkpointer: Checkpointer?
    /// Shared with a `Purger` and the `SearchIndexer`: the writer's commits go before their batches.
    let turn: WriteTurn
    /// Whether submissions are stamped with their time (for `CommitStats`).
    private let timed: Bool
    /// Everything the writer thread and the submitting threads share.
    private let shared = Locked(Shared())

    private struct Shared {
        var queue: [BatchCommitter.Item] = []
        /// When each queued event was submitted (`timed` writers only).
        var submitted: [UInt64] = []
        /// Why the last batch failed; nil once one commits.
        var lastFailure: StoreError?
        /// Set by `drain`: true for a clean stop.
        var closing: Bool?
        /// Set by the thread when it stopped: the outcome of its last steps.
        var finished: Result<Void, StoreError>?
        var pageLimit: Int?
        var batches = 0
        var events = 0

        var hasWork: Bool { !queue.isEmpty || closing != nil }
        var isFinished: Bool { finished != nil }
    }

    /// Starts the writer thread, which owns `committer` (and its connection) from now on.
    init(
        committer: sending BatchCommitter, maxBatch: Int, checkpointer: Checkpointer? = nil,
        turn: WriteTurn = WriteTurn(), timed: Bool = false,
        onCommit: @escaping @Sendable ([Event], CommitStats?) -> Void
    ) {
        self.turn = turn
        self.path = committer.database.path
        self.session = committer.session
        self.checkpointer = checkpointer
        self.maxBatch = maxBatch
        self.timed = timed
        let shared = self.shared
        startThread(name: "chat-store-writer") {
            Self.run(
                committer, shared: shared, turn: turn, maxBatch: maxBatch, checkpointer: checkpointer, timed: timed,
                onCommit: onCommit)
        }
    }

    /// Queues an event; `completion` learns its id, or why it was not stored.
    public func submit(_ event: NewEvent, completion: Completion? = nil) {
        let stamp = timed ? StoreObserver.now() : 0
        let (accepted, first) = shared.withLock { shared in
            guard shared.closing == nil else { return (false, false) }
            shared.queue.append((event, completion))
            if timed { shared.submitted.append(stamp) }
            return (true, shared.queue.count == 1)
        }
        if first { shared.broadcast() }
        if !accepted {
            completion?(.failure(StoreError(.closed, path: path, message: "the event store is closed")))
        }
    }

    /// Stores an event and returns it as committed, with its id and time.
    public func append(_ event: NewEvent) async throws(StoreError) -> Event {
        let result = await withCheckedContinuation { continuation in
            submit(event) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Batches committed so far and events in them, for benchmarks and logs.
    public var committed: (batches: Int, events: Int) {
        shared.withLock { ($0.batches, $0.events) }
    }

    /// Why the last batch could not be committed; nil when it was (the store is writable).
    public var lastFailure: StoreError? {
        shared.withLock { $0.lastFailure }
    }

    /// For tests and fault drills: a new `PRAGMA max_page_count` for the writer's connection,
    /// applied by the writer thread before its next batch (see `EventStore.init(maxPageCount:)`).
    func setMaxPageCount(_ pages: Int) {
        shared.withLock { $0.pageLimit = pages }
    }

    /// Commits everything queued, then stops the thread; a clean stop also marks the session
    /// clean and empties the WAL. Later submissions fail.
    func drain(clean: Bool) throws(StoreError) {
        checkpointer?.stop()  // first: a checkpoint running would make the final one fail
        shared.withLock { $0.closing = clean }
        shared.broadcast()
        let outcome = shared.withLock(when: \.isFinished) { $0.finished }
        try outcome?.get()
    }

    private static func run(
        _ committer: BatchCommitter, shared: Locked<Shared>, turn: WriteTurn, maxBatch: Int,
        checkpointer: Checkpointer?, timed: Bool, onCommit: @Sendable ([Event], CommitStats?) -> Void
    ) {
        while true {
            let (batch, oldest, pages, closing) = shared.withLock(when: \.hasWork) { shared in
                let take = min(shared.queue.count, maxBatch)
                defer {
                    shared.queue.removeFirst(take)
                    if timed { shared.submitted.removeFirst(take) }
                    shared.pageLimit = nil
                }
                return (Array(shared.queue[..<take]), shared.submitted.first, shared.pageLimit, shared.closing)
            }
            if batch.isEmpty {
                let outcome = closing == true ? committer.finishCleanly() : .success(())
                shared.withLock { $0.finished = outcome }
                shared.broadcast()
                return
            }
            if let pages { committer.setMaxPageCount(pages) }
            let started = timed ? StoreObserver.now() : 0
            switch turn.asWriter({ committer.commit(batch) }) {
            case .success(let events):
                let stats = oldest.map { oldest in
                    CommitStats(
                        events: events.count, seconds: Double(StoreObserver.now() - started) / 1e9,
                        oldestSubmittedNanos: oldest)
                }
                shared.withLock { shared in
                    shared.batches += 1
                    shared.events += events.count
                    shared.lastFailure = nil
                }
                checkpointer?.noteCommit()
                onCommit(events, stats)
                for (item, event) in zip(batch, events) { item.completion?(.success(event)) }
            case .failure(let error):
                shared.withLock { $0.lastFailure = error }
                for item in batch { item.completion?(.failure(error)) }
            }
        }
    }
}

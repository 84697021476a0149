import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// A node's writer of events into PostgreSQL, with the contract of the SQLite `EventWriter`:
/// events from every connection queue here; a task takes everything queued (up to `maxBatch`),
/// commits it in one transaction, and only then hands the committed batch, in id order, to
/// `onCommit` and tells each event's completion. While the database cannot be reached each
/// batch fails with a `.unavailable` `StoreError` (nothing stored); the next batch connects again.
public final class PostgresEventWriter: Sendable {
    public typealias Completion = EventWriter.Completion

    /// The session every event of this writer belongs to.
    public let session: Int64
    /// The largest number of events committed in one transaction.
    public let maxBatch: Int

    private let address: PostgresAddress
    private let queue = PostgresWriterQueue()
    private let worker: Task<Result<Void, StoreError>, Never>

    /// `observe`, when given, learns each committed batch's size and time (a server's metrics).
    init(
        link: PostgresLink, session: Int64, maxBatch: Int, onCommit: @escaping @Sendable ([Event]) -> Void,
        observe: (@Sendable ([Event], CommitStats) -> Void)? = nil
    ) {
        self.address = link.address
        self.session = session
        self.maxBatch = min(max(1, maxBatch), Int(UInt16.max) / PostgresBatchCommit.parametersPerEvent)
        let (queue, limit) = (self.queue, self.maxBatch)
        worker = Task {
            await Self.run(
                PostgresBatchCommit(link: link, session: session), queue: queue, maxBatch: limit, onCommit: onCommit,
                observe: observe)
        }
    }

    /// Queues an event; `completion` learns its id, or why it was not stored.
    public func submit(_ event: NewEvent, completion: Completion? = nil) {
        guard queue.push((event, completion, StoreObserver.now())) else {
            completion?(.failure(StoreError(.closed, path: address.description, message: "the event store is closed")))
            return
        }
    }

    /// Stores an event and returns it as committed, with its id and time.
    public func append(_ event: NewEvent) async throws(StoreError) -> Event {
        let result = await withCheckedContinuation { continuation in
            submit(event) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Batches committed so far and events in them.
    public var committed: (batches: Int, events: Int) {
        queue.state.withLock { ($0.batches, $0.events) }
    }

    /// Why the last batch could not be committed; nil when it was.
    public var lastFailure: StoreError? {
        queue.state.withLock { $0.lastFailure }
    }

    /// Commits everything queued, then stops; a clean stop also marks the session clean. Later
    /// submissions fail.
    func drain(clean: Bool) async throws(StoreError) {
        queue.close(clean: clean)
        try await worker.value.get()
    }

    private static func run(
        _ commit: PostgresBatchCommit, queue: PostgresWriterQueue, maxBatch: Int,
        onCommit: @Sendable ([Event]) -> Void, observe: (@Sendable ([Event], CommitStats) -> Void)?
    ) async -> Result<Void, StoreError> {
        var commit = commit
        defer { queue.finish() }
        for await _ in queue.wakeUps {
            while true {
                let (batch, closing) = queue.take(maxBatch)
                if batch.isEmpty {
                    guard let closing else { break }
                    let outcome = closing ? await markClean(commit) : .success(())
                    await commit.link.drop()
                    return outcome
                }
                do throws(StoreError) {
                    let started = StoreObserver.now()
                    let events = try await commit.commit(batch.map(\.event))
                    queue.noteCommitted(events.count)
                    let seconds = Double(StoreObserver.now() - started) / 1e9
                    observe?(
                        events,
                        CommitStats(events: events.count, seconds: seconds, oldestSubmittedNanos: batch[0].submitted))
                    onCommit(events)
                    for (item, event) in zip(batch, events) { item.completion?(.success(event)) }
                } catch {
                    queue.noteFailure(error)
                    for item in batch { item.completion?(.failure(error)) }
                }
            }
        }
        return .success(())
    }

    private static func markClean(_ commit: PostgresBatchCommit) async -> Result<Void, StoreError> {
        let (link, session) = (commit.link, commit.session)
        do throws(StoreError) {
            try await link.run("marking the session clean") { connection in
                try await connection.query(
                    "UPDATE sessions SET state = 'clean', ended_ms = \(currentTimeMillis()) WHERE id = \(session) AND state = 'running'",
                    logger: link.logger)
                return ()
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}

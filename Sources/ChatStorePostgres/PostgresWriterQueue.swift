import ChatModel
import ChatStore

/// What a `PostgresEventWriter`'s callers and its task share: the queued events, the counts, the
/// last failure, and the wake-up of the task.
final class PostgresWriterQueue: Sendable {
    /// An event, who to tell, and when it was submitted (`StoreObserver.now()`).
    typealias Item = (event: NewEvent, completion: EventWriter.Completion?, submitted: UInt64)

    struct State {
        var queue: [Item] = []
        /// Set by `drain`: true for a clean stop.
        var closing: Bool?
        var lastFailure: StoreError?
        var batches = 0
        var events = 0
    }

    let state = Locked(State())
    /// One element wakes the task; wake-ups while it works fold into one.
    let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init() {
        (wakeUps, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues an event; false once the writer is closing.
    func push(_ item: Item) -> Bool {
        let accepted = state.withLock { state in
            guard state.closing == nil else { return false }
            state.queue.append(item)
            return true
        }
        if accepted { wake.yield() }
        return accepted
    }

    /// Takes up to `limit` queued events, and whether the writer is closing.
    func take(_ limit: Int) -> (batch: [Item], closing: Bool?) {
        state.withLock { state in
            let take = min(state.queue.count, limit)
            defer { state.queue.removeFirst(take) }
            return (Array(state.queue[..<take]), state.closing)
        }
    }

    func close(clean: Bool) {
        state.withLock { $0.closing = $0.closing ?? clean }
        wake.yield()
    }

    func finish() { wake.finish() }

    func noteCommitted(_ count: Int) {
        state.withLock { state in
            state.batches += 1
            state.events += count
            state.lastFailure = nil
        }
    }

    func noteFailure(_ error: StoreError) {
        state.withLock { $0.lastFailure = error }
    }
}

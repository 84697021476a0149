import ChatModel
import ChatStore
import Dispatch

/// Completions of committed events, each held until the tail follower has handed its event on
/// (`ChatRecord`'s promise: a completion runs after its event reached the fan-out), or, should
/// the follower stall, until `expire(olderThan:)` lets it go: a sender is never kept waiting for
/// ever by a follower that cannot reach the database.
final class HeldCompletions: Sendable {
    private struct Held {
        var event: Event
        var completion: EventWriter.Completion
        /// When it was held (monotonic nanoseconds).
        var since: UInt64
    }

    private struct State {
        /// The id of the last event the follower handed on.
        var delivered: Int64
        var waiting: [Held] = []
    }

    private let state: Locked<State>

    init(delivered: Int64) {
        state = Locked(State(delivered: delivered))
    }

    /// Runs `completion` with `event` now if the follower has handed it on, else once it has.
    func complete(_ event: Event, _ completion: @escaping EventWriter.Completion) {
        let now = state.withLock { state in
            guard state.delivered < event.id else { return true }
            state.waiting.append(Held(event: event, completion: completion, since: Self.now()))
            return false
        }
        if now { completion(.success(event)) }
    }

    /// The follower handed on every event up to `id`: their completions run.
    func delivered(through id: Int64) {
        let due = state.withLock { state in
            state.delivered = max(state.delivered, id)
            let due = state.waiting.filter { $0.event.id <= id }
            state.waiting.removeAll { $0.event.id <= id }
            return due
        }
        for held in due { held.completion(.success(held.event)) }
    }

    /// Runs the completions held for more than `seconds` (their events are stored; the follower
    /// has not handed them on yet), and says how many.
    func expire(olderThan seconds: Double) -> Int {
        let limit = Self.now() - min(Self.now(), UInt64(seconds * 1e9))
        let due = state.withLock { state in
            let due = state.waiting.filter { $0.since < limit }
            state.waiting.removeAll { $0.since < limit }
            return due
        }
        for held in due { held.completion(.success(held.event)) }
        return due.count
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Runs every completion still held (the follower has stopped: their events are stored).
    func releaseAll() {
        let due = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        for held in due { held.completion(.success(held.event)) }
    }
}

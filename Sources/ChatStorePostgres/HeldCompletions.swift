import ChatModel
import ChatStore
import Synchronization

/// Completions of committed events, each held until the tail follower has handed its event on
/// (`ChatRecord`'s promise: a completion runs after its event reached the fan-out).
final class HeldCompletions: Sendable {
    private struct State {
        /// The id of the last event the follower handed on.
        var delivered: Int64
        var waiting: [(event: Event, completion: EventWriter.Completion)] = []
    }

    private let state: Mutex<State>

    init(delivered: Int64) {
        state = Mutex(State(delivered: delivered))
    }

    /// Runs `completion` with `event` now if the follower has handed it on, else once it has.
    func complete(_ event: Event, _ completion: @escaping EventWriter.Completion) {
        let now = state.withLock { state in
            guard state.delivered < event.id else { return true }
            state.waiting.append((event, completion))
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
        for (event, completion) in due { completion(.success(event)) }
    }

    /// Runs every completion still held (the follower has stopped: their events are stored).
    func releaseAll() {
        let due = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        for (event, completion) in due { completion(.success(event)) }
    }
}

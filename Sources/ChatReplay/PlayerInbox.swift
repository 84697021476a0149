import ChatStore

/// Where an interactive replay's commands arrive (from the keyboard, a signal or a test) together
/// with its own timer's wake-ups and ticks, in order, so the player waits on one thing.
public final class PlayerInbox: Sendable {
    enum Signal: Sendable, Equatable {
        case command(PlayerCommand)
        /// The timer of this generation ran out.
        case due(Int)
        /// The timer of this generation would like the progress line redrawn, `left` before it runs out.
        case tick(Int, left: Duration)
    }

    private struct State {
        var queue: [Signal] = []
        var waiter: CheckedContinuation<Signal, Never>?
    }

    /// Behind the store's `Locked` rather than `Mutex`, which ThreadSanitizer cannot see.
    private let state = Locked(State())

    public init() {}

    /// Delivers a command; safe from any thread.
    public func send(_ command: PlayerCommand) { deliver(.command(command)) }

    func deliver(_ signal: Signal) {
        let waiter = state.withLock { state -> CheckedContinuation<Signal, Never>? in
            guard let waiter = state.waiter else {
                state.queue.append(signal)
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: signal)
    }

    /// The oldest signal not yet taken, without waiting.
    func poll() -> Signal? {
        state.withLock { $0.queue.isEmpty ? nil : $0.queue.removeFirst() }
    }

    /// The next signal, waiting for one. One waiter at a time.
    func next() async -> Signal {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Signal? in
                guard state.queue.isEmpty else { return state.queue.removeFirst() }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

import NIOConcurrencyHelpers

/// A bound on a queue between two tasks: the producer takes a credit per item it queues, the
/// consumer gives it back once the item is handled. With no credit left, `take()` waits (back
/// pressure) and `tryTake()` says no, so the queue never holds more than `capacity` items.
public final class Credits: Sendable {
    private struct State {
        var available: Int
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var order: [Int] = []
        var nextWaiter = 0
        var closed = false
    }
    private let state: NIOLockedValueBox<State>
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        state = NIOLockedValueBox(State(available: self.capacity))
    }

    /// Items queued and not yet handled.
    public var inUse: Int { state.withLockedValue { capacity - $0.available } }

    /// Takes a credit if there is one, without waiting.
    public func tryTake() -> Bool {
        state.withLockedValue { state in
            guard !state.closed, state.available > 0 else { return false }
            state.available -= 1
            return true
        }
    }

    /// Takes a credit, waiting for one if need be; false once closed or when the task is cancelled.
    public func take() async -> Bool {
        let id = state.withLockedValue { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Bool? = state.withLockedValue { state in
                    if state.closed || Task.isCancelled { return false }
                    if state.available > 0 {
                        state.available -= 1
                        return true
                    }
                    state.waiters[id] = continuation
                    state.order.append(id)
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
        }
    }

    /// Gives a credit back: the longest waiter gets it.
    public func give() {
        let woken = state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
            while !state.order.isEmpty {
                let id = state.order.removeFirst()
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            }
            state.available = min(state.available + 1, capacity)
            return nil
        }
        woken?.resume(returning: true)
    }

    /// No more credits: every waiter, and every later `take`, gets false.
    public func close() {
        let woken = state.withLockedValue { state -> [CheckedContinuation<Bool, Never>] in
            state.closed = true
            state.order = []
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume(returning: false) }
    }
}

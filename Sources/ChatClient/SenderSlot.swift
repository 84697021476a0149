import ChatProtocol
import NIOConcurrencyHelpers

/// The sender of the connection that is ready for the user's messages, if any; `wait()` suspends
/// until there is one. Messages typed while disconnected wait here and go out, in order, once
/// the client is back.
final class SenderSlot: Sendable {
    private struct State {
        var sender: ChatSender?
        var waiters: [Int: CheckedContinuation<ChatSender?, Never>] = [:]
        var nextWaiter = 0
        var closed = false
    }
    private let state = NIOLockedValueBox(State())

    /// The sender now, without waiting.
    var current: ChatSender? { state.withLockedValue { $0.sender } }

    /// Makes `sender` current (nil: disconnected) and wakes whoever waits for one.
    func set(_ sender: ChatSender?) {
        let woken = state.withLockedValue { state -> [CheckedContinuation<ChatSender?, Never>] in
            state.sender = sender
            guard sender != nil else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume(returning: sender) }
    }

    /// The current sender, or the next one; nil once closed or when the task is cancelled.
    func wait() async -> ChatSender? {
        let id = state.withLockedValue { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: ChatSender?? = state.withLockedValue { state in
                    if state.closed || Task.isCancelled { return .some(nil) }
                    if let sender = state.sender { return .some(sender) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }

    /// No sender ever again: every waiter gets nil.
    func close() {
        let woken = state.withLockedValue { state -> [CheckedContinuation<ChatSender?, Never>] in
            state.closed = true
            state.sender = nil
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume(returning: nil) }
    }
}

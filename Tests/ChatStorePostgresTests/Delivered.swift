import ChatModel
import ChatStore

/// Events a follower handed on, and a bounded wait for a number of them (a signal, not a poll).
final class Delivered: Sendable {
    private struct State {
        var events: [Event] = []
        var waiters: [Int: (count: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        var cancelled: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = Locked(State())

    var events: [Event] { state.withLock { $0.events } }

    func append(_ batch: [Event]) {
        let ready = state.withLock { state in
            state.events += batch
            let ready = state.waiters.filter { $0.value.count <= state.events.count }
            for id in ready.keys { state.waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Waits until at least `count` events arrived, at most `timeout`; returns what arrived.
    func wait(for count: Int, timeout: Duration = .seconds(20)) async -> [Event] {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.reach(count, id: id) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return events
    }

    private func reach(_ count: Int, id: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if state.events.count >= count || state.cancelled.contains(id) { return true }
                    state.waiters[id] = (count, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.cancelled.insert(id)
                return state.waiters.removeValue(forKey: id)
            }
            waiter?.continuation.resume()
        }
    }
}

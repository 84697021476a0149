import ChatStore

/// Lets tasks use one `PostgresLink` one at a time, in the order they came: a link is not made
/// for several tasks at once (two of them finding its connection lost would each open one).
final class PostgresTurns: Sendable {
    private struct State {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Locked(State())

    /// Runs `body` once the tasks that came before are done with theirs.
    func run<T>(_ body: () async throws(StoreError) -> T) async throws(StoreError) -> T {
        await take()
        defer { give() }
        return try await body()
    }

    private func take() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                guard state.busy else {
                    state.busy = true
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the turn to the first waiting task (it stays busy), or frees it.
    private func give() {
        let next = state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.busy = false
                return nil as CheckedContinuation<Void, Never>?
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}

import ChatStore

/// Waits at most a while for a database call that runs in a task of its own: a query that never
/// answers (seen once when the server shut down in the middle of one) must not stall a node's
/// heartbeat, or its presence, for good. On time out, `abandon` runs (it closes the connection,
/// which ends the query, or at least leaves it behind) and the caller is told `.unavailable`.
enum PostgresDeadline {
    static func run<T: Sendable>(
        within timeout: Duration, failure: @escaping @Sendable () -> StoreError,
        abandon: @escaping @Sendable () async -> Void, _ body: @escaping @Sendable () async throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<T, StoreError>, Never>) in
            let once = ResumeOnce(continuation)
            let timer = Task {
                try await Task.sleep(for: timeout)
                if once.resume(.failure(failure())) { await abandon() }
            }
            Task {
                let outcome: Result<T, StoreError>
                do throws(StoreError) {
                    outcome = .success(try await body())
                } catch {
                    outcome = .failure(error)
                }
                timer.cancel()
                once.resume(outcome)
            }
        }
        return try result.get()
    }
}

/// A continuation resumed by whichever of two tasks comes first.
private final class ResumeOnce<Value: Sendable>: Sendable {
    private let continuation: Locked<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation = Locked(continuation)
    }

    /// Resumes it with `value`; false when the other task came first.
    @discardableResult
    func resume(_ value: Value) -> Bool {
        let waiting = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: value)
        return waiting != nil
    }
}

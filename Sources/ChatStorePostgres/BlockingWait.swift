import ChatStore
import Dispatch

/// Async work waited for on a thread that may block (a thread pool's, a command's main thread),
/// for the synchronous `AccountsBook`: never call it on an event loop or in a Swift task, whose
/// thread it would hold until the work ends.
enum BlockingWait {
    /// Runs `work` in a task of its own and blocks until it has ended; what it returned or threw.
    static func run<T: Sendable>(
        _ work: @escaping @Sendable () async throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Locked<Result<T, StoreError>?>(nil)
        Task {
            let result: Result<T, StoreError>
            do throws(StoreError) {
                result = .success(try await work())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        guard let result = outcome.withLock({ $0 }) else { preconditionFailure("the task ended without an outcome") }
        return try result.get()
    }
}

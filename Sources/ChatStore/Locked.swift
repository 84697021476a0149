import Foundation

/// A value behind a lock, with a condition to wait on, shaped like Synchronization's `Mutex`: the
/// value goes in and comes out `sending`, so the compiler checks what crosses threads through it.
/// (`Mutex` itself is built on futexes on Linux, which ThreadSanitizer does not see, so it reports
/// races on the data the mutex protects; `NSCondition` is a pthread mutex and condition variable,
/// which it understands.)
package final class Locked<Value>: @unchecked Sendable {  // `value` is only reached under `condition`
    private let condition = NSCondition()
    private var value: Value

    package init(_ value: sending Value) {
        self.value = value
    }

    package func withLock<Result, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        condition.lock()
        defer { condition.unlock() }
        return try body(&value)
    }

    /// Waits until `isReady` holds or `deadline` passes, then runs `body`, all under the lock.
    package func withLock<Result>(
        when isReady: (Value) -> Bool, before deadline: Date? = nil, _ body: (inout sending Value) -> sending Result
    ) -> sending Result {
        condition.lock()
        defer { condition.unlock() }
        while !isReady(value) {
            if let deadline {
                guard condition.wait(until: deadline) else { break }
            } else {
                condition.wait()
            }
        }
        return body(&value)
    }

    /// Wakes every thread waiting in `withLock(when:)`, to check again.
    package func broadcast() {
        condition.broadcast()
    }
}

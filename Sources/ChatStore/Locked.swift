import Foundation

/// A value behind a lock. (Synchronization's `Mutex` would do, but on Linux it is built on futexes
/// that ThreadSanitizer does not see, which makes it report races on data the mutex protects;
/// `NSLock` is a pthread mutex, which it understands.)
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

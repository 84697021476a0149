import Foundation

/// A few threads of their own for blocking reads (SQLite's), so that those never hold a thread
/// of Swift's cooperative pool: `run` queues a job and suspends until one of the threads ran it.
/// The threads live as long as the process, like NIO's shared thread pool.
final class BlockingReads: Sendable {
    /// The process's pool: 4 threads, SQLite's readers run side by side in WAL mode.
    static let shared = BlockingReads(threads: 4)

    private let jobs = Locked<[@Sendable () -> Void]>([])

    init(threads: Int) {
        for _ in 0..<max(threads, 1) {
            startThread(name: "chat-store-reader") { [jobs] in
                while true {
                    let job = jobs.withLock(when: { !$0.isEmpty }) { $0.removeFirst() }
                    job()
                }
            }
        }
    }

    /// Runs `body` on one of the pool's threads and returns what it returned.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            jobs.withLock { $0.append { continuation.resume(returning: body()) } }
            jobs.broadcast()
        }
    }
}

import Foundation

/// A few threads of their own for blocking reads (SQLite's), so that those never hold a thread
/// of Swift's cooperative pool: `run` queues a job and suspends until one of the threads ran it.
/// Threads start when jobs come, at most `maxThreads`, and end after `idleSeconds` without one,
/// so an idle process holds none (and nothing keeps it from exiting).
final class BlockingReads: Sendable {
    /// The process's pool: SQLite's readers run side by side in WAL mode.
    static let shared = BlockingReads(maxThreads: 4)

    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var threads = 0
    }

    private let state = Locked(State())
    private let maxThreads: Int
    private let idleSeconds: Double

    init(maxThreads: Int, idleSeconds: Double = 2) {
        self.maxThreads = max(maxThreads, 1)
        self.idleSeconds = idleSeconds
    }

    /// Runs `body` on one of the pool's threads and returns what it returned.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let startsThread = state.withLock { state in
                state.jobs.append { continuation.resume(returning: body()) }
                guard state.threads < maxThreads else { return false }
                state.threads += 1
                return true
            }
            state.broadcast()
            if startsThread {
                startThread(name: "chat-store-reader") { [state, idleSeconds] in
                    while let job = Self.next(state, idleSeconds: idleSeconds) { job() }
                }
            }
        }
    }

    /// The next job, or nil (the thread ends) when none came for `idleSeconds`.
    private static func next(_ state: Locked<State>, idleSeconds: Double) -> (@Sendable () -> Void)? {
        let hasJob: (State) -> Bool = { !$0.jobs.isEmpty }
        return state.withLock(when: hasJob, before: Date(timeIntervalSinceNow: idleSeconds)) { state in
            guard !state.jobs.isEmpty else {
                state.threads -= 1
                return nil
            }
            return state.jobs.removeFirst()
        }
    }
}

import ChatModel
import ChatStore
import Foundation
import Logging

/// Runs `PostgresPurge` on a node: at start and then every `interval`, in a task of its own; a
/// pass another node is running is skipped (`run` is nil). Every node may run one; one purges.
public final class PostgresPurger: Sendable {
    private let purge: PostgresPurge
    private let state = Locked(State())

    private struct State {
        var task: Task<Void, Never>?
        var wake: AsyncStream<Void>.Continuation?
    }

    /// Starts purging what `policy` no longer keeps, with the time `clock` gives (ms since the
    /// epoch). `onPurge` gets each pass this node ran (most purge nothing), `onError` each failure
    /// (the next pass tries again).
    public init(
        purge: PostgresPurge, policy: RetentionPolicy, interval: TimeInterval = 60,
        clock: @escaping @Sendable () -> Int64 = currentTimeMillis,
        onPurge: @escaping @Sendable (PurgeRun) -> Void = { _ in },
        onError: @escaping @Sendable (StoreError) -> Void = { _ in }
    ) {
        self.purge = purge
        let (wakeUps, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(interval))
                        wake.yield()
                    }
                }
                wake.yield()  // the first pass, at start
                for await _ in wakeUps {
                    if Task.isCancelled { break }
                    do throws(StoreError) {
                        if let run = try await purge.run(
                            policy: policy, now: clock(), between: { !Task.isCancelled })
                        {
                            onPurge(run)
                        }
                    } catch {
                        onError(error)
                    }
                }
                group.cancelAll()
            }
        }
        state.withLock {
            $0.task = task
            $0.wake = wake
        }
    }

    /// Runs a pass now instead of at the next interval (tests, and a clock that moved).
    public func purgeNow() {
        _ = state.withLock { $0.wake }?.yield()
    }

    /// Stops purging, within one batch, and waits for it.
    public func stop() async {
        let (task, wake) = state.withLock { ($0.task, $0.wake) }
        task?.cancel()
        wake?.finish()
        await task?.value
    }
}

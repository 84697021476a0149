import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// Follows the record's tail: hands on every event committed after its cursor, by any node, in
/// id order, each once. It reads everything after the cursor when it (re)connects, on each
/// `NOTIFY` and every `interval`: a notification is only a wake-up, and one sent while the
/// listener was away is lost, but the cursor is not. Ids become visible in order (the counter
/// row), so reading above the cursor never skips one. After a lost connection it connects again,
/// waiting a little longer each time (at most `interval`).
public final class PostgresTailFollower: Sendable {
    /// How many events one read takes.
    public static let pageSize = 512

    public let address: PostgresAddress
    private let interval: Duration
    private let logger: Logger
    private let deliver: @Sendable ([Event]) async -> Void
    private let state: Locked<State>

    private struct State {
        var cursor: Int64
        var connections = 0
        var task: Task<Void, Never>?
    }

    init(
        address: PostgresAddress, after cursor: Int64, interval: Duration, logger: Logger,
        deliver: @escaping @Sendable ([Event]) async -> Void
    ) {
        self.address = address
        self.interval = interval
        self.logger = logger
        self.deliver = deliver
        state = Locked(State(cursor: cursor))
    }

    /// The id of the last event handed on.
    public var cursor: Int64 { state.withLock { $0.cursor } }

    /// How many times the listener has connected (1 until a connection was lost).
    public var connections: Int { state.withLock { $0.connections } }

    /// Starts following, in a task of its own; `stop` ends it.
    public func start() {
        let task = Task { await self.follow() }
        let previous = state.withLock { state in
            defer { state.task = task }
            return state.task
        }
        previous?.cancel()
    }

    /// Stops following and waits until the follower's task has ended.
    public func stop() async {
        let task = state.withLock { state in
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
        await task?.value
    }

    private func follow() async {
        var pause = Duration.milliseconds(50)
        while !Task.isCancelled {
            do {
                try await listenAndCatchUp()
            } catch {
                if Task.isCancelled { return }
                let failure = PostgresFailure.storeError(error, at: address, doing: "following the record")
                logger.warning("chat store follower: \(failure.message); connecting again")
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, interval)
        }
    }

    /// One connection's life: `LISTEN`, then a catch-up at once and on every wake-up, until the
    /// connection fails (thrown) or the task is cancelled.
    private func listenAndCatchUp() async throws {
        let link = PostgresLink(address: address, role: "follower", logger: logger)
        let connection = try await link.connection()
        let reader = PostgresEventReader(link: link)  // reads on the listening connection
        state.withLock { $0.connections += 1 }
        do {
            try await connection.listen(on: PostgresBatchCommit.channel) { notifications in
                let (wakeUps, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
                wake.yield()  // the catch-up of a new connection: LISTEN is in force from here on
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await _ in notifications { wake.yield() }
                        throw PostgresFailure.unavailable(
                            at: self.address, doing: "listening", cause: "the notifications ended")
                    }
                    group.addTask {
                        while true {
                            try await Task.sleep(for: self.interval)
                            wake.yield()
                        }
                    }
                    group.addTask {
                        for await _ in wakeUps { try await self.catchUp(with: reader) }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            await link.drop()
            throw error
        }
        await link.drop()
    }

    /// Hands on everything after the cursor, a page at a time.
    private func catchUp(with reader: PostgresEventReader) async throws {
        while !Task.isCancelled {
            let events = try await reader.events(after: cursor, limit: Self.pageSize)
            guard let last = events.last else { return }
            await deliver(events)
            state.withLock { $0.cursor = last.id }
            if events.count < Self.pageSize { return }
        }
    }
}

import ChatStore
import Logging
import PostgresNIO
import Synchronization

/// One connection to the database, opened when first needed and opened again after it was lost
/// (the server restarted, the backend was terminated). A writer, a reader or a follower each
/// have their own; tasks that share one (a reader's) queue their queries on its connection.
final class PostgresLink: Sendable {
    let address: PostgresAddress
    let logger: Logger
    /// What the connection is for: `writer`, `reader`, `follower`, `migration`.
    let role: String
    private let current = Locked<PostgresConnection?>(nil)
    private let ids = Atomic<Int>(0)

    init(address: PostgresAddress, role: String, logger: Logger) {
        self.address = address
        self.role = role
        self.logger = logger
    }

    /// How long one call's statements may go unanswered before the call gives up with
    /// `.unavailable` and the connection is dropped: a statement sent on a connection the server
    /// had just ended (a restart) can stay unanswered for ever in postgres-nio, and must not hold
    /// a writer, a reader or a follower for ever.
    static let answerTimeout: Duration = .seconds(10)

    /// Runs `body` on the open connection (opening one first when there is none or it closed).
    /// A failure is a `StoreError`; when the connection is gone it is dropped, so the next call
    /// opens a new one. When `body` has no answer within `answerTimeout`, the call fails and
    /// `body` is left behind.
    func run<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        try await runUnbounded(what) { connection in
            try await Self.answer(within: Self.answerTimeout) { try await body(connection) }
        }
    }

    /// `run` without a time limit (a migration, an import: one long transaction).
    func runUnbounded<T: Sendable>(
        _ what: String, _ body: (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        do {
            let connection = try await connection()
            return try await body(connection)
        } catch {
            let failure = PostgresFailure.storeError(error, at: address, doing: what)
            if failure.kind == .unavailable { await drop() }
            throw failure
        }
    }

    /// Runs `body` on a connection of its own, closed after it, however long it takes.
    static func once<T: Sendable>(
        _ address: PostgresAddress, role: String, logger: Logger, _ what: String,
        _ body: (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        let link = PostgresLink(address: address, role: role, logger: logger)
        do {
            let value = try await link.runUnbounded(what, body)
            await link.drop()
            return value
        } catch {
            await link.drop()
            throw error
        }
    }

    /// The open connection, or a new one.
    func connection() async throws -> PostgresConnection {
        if let open = current.withLock({ $0 }), !open.isClosed { return open }
        let id = ids.add(1, ordering: .relaxed).newValue
        let connection = try await PostgresConnection.connect(
            configuration: address.configuration(role: role), id: id, logger: logger)
        // Tasks sharing the link may have connected at the same time: the first one's stays.
        let other = current.withLock { current -> PostgresConnection? in
            if let open = current, !open.isClosed { return open }
            current = connection
            return nil
        }
        guard let other else { return connection }
        try? await connection.close()
        return other
    }

    /// Closes the connection, if open.
    func drop() async {
        let open = current.withLock { current in
            defer { current = nil }
            return current
        }
        try? await open?.close()
    }

    /// What `work` returns, or `NoAnswer` after `timeout` (then `work` is cancelled and left to end
    /// by itself).
    private static func answer<T: Sendable>(
        within timeout: Duration, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = Locked<CheckedContinuation<T, any Error>?>(nil)
        return try await withCheckedThrowingContinuation { continuation in
            outcome.withLock { $0 = continuation }
            let finish: @Sendable (Result<T, any Error>) -> Bool = { result in
                guard let waiting = outcome.withLock({ $0.take() }) else { return false }
                waiting.resume(with: result)
                return true
            }
            let timer = Task {
                try await Task.sleep(for: timeout)
                _ = finish(.failure(NoAnswer(timeout: timeout)))
            }
            Task {
                do {
                    _ = finish(.success(try await work()))
                } catch {
                    _ = finish(.failure(error))
                }
                timer.cancel()
            }
        }
    }
}

/// No answer came from the database server in time.
struct NoAnswer: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "no answer within \(timeout)" }
}

import ChatCore
import ChatModel
import ChatServer
import ChatStore
import Foundation
import Logging

extension ServerConfiguration {
    /// A test server's configuration: 127.0.0.1, port 0, `database`, a 5 s name timeout.
    package static func testing(database: String) -> ServerConfiguration {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, databasePath: database)
        configuration.nameTimeoutSeconds = 5
        configuration.passwordHasher = .testing
        return configuration
    }
}

extension ServerConfiguration {
    /// `testing(database:)` with the web port (page and WebSocket) on a free port too.
    package static func testingWeb(database: String) -> ServerConfiguration {
        var configuration = testing(database: database)
        configuration.httpPort = 0
        return configuration
    }
}

extension ServerConfiguration {
    /// `testing(database:)` with the IRC door on a free port too.
    package static func testingIRC(database: String) -> ServerConfiguration {
        var configuration = testing(database: database)
        configuration.ircPort = 0
        return configuration
    }
}

/// Runs a real server in this process on 127.0.0.1, port 0, for the duration of `body`, then
/// shuts it down gracefully and waits until the session is closed.
package func withServer<T: Sendable>(
    database: String, _ body: @Sendable (ChatServer) async throws -> T
) async throws -> T {
    try await withServer(.testing(database: database), body)
}

/// Runs a real server with `configuration` for the duration of `body` (see `withServer(database:_:)`).
package func withServer<T: Sendable>(
    _ configuration: ServerConfiguration, _ body: @Sendable (ChatServer) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test-server")
    logger.logLevel = .warning
    let server = try await ChatServer(configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await server.run()
            return nil
        }
        let result: T
        do {
            result = try await body(server)
        } catch {
            server.beginShutdown()
            try await group.waitForAll()
            throw error
        }
        server.beginShutdown()
        try await group.waitForAll()
        return result
    }
}

/// A real server on 127.0.0.1 running in a task; `stop()` shuts it down gracefully and waits
/// until every leave is recorded.
package final class RunningServer: Sendable {
    package let server: ChatServer
    private let task: Task<Void, any Error>

    package var port: Int { server.port }

    package init(
        database: String, port: Int = 0, logLevel: Logger.Level = .critical,
        _ configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: port, databasePath: database)
        configuration.nameTimeoutSeconds = 5
        configuration.passwordHasher = .testing
        configure(&configuration)
        var logger = Logger(label: "test-server")
        logger.logLevel = logLevel
        let server = try await ChatServer(configuration: configuration, logger: logger)
        self.server = server
        task = Task { try await server.run() }
    }

    package func stop() async throws {
        server.beginShutdown()
        try await task.value
    }
}

/// Runs `body` with a `RunningServer`, stopping it afterwards whatever happens.
package func withRunningServer<T: Sendable>(
    database: String, _ configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (RunningServer) async throws -> T
) async throws -> T {
    let server = try await RunningServer(database: database, configure)
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}

/// Registers `name` with `password` in `database` (as `chat-server account add` does), at the
/// tests' low scrypt cost.
package func addAccount(
    _ name: String, password: String, role: AccountRole = .member, database: String
) throws {
    let book = try AccountBook(path: database)
    defer { book.close() }
    try book.add(
        Account(
            name: name, skeleton: NameRules.skeleton(name), passwordHash: try PasswordHasher.testing.hash(password),
            role: role, createdMillis: currentTimeMillis()))
}

/// The events recorded in `database`, read as a tool would.
package func recordedEvents(_ database: String) throws -> [Event] {
    try EventReader(path: database).events(EventFilter())
}

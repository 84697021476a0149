import ChatClient
import ChatServer
import Logging

/// `chat-client --serve`: a chat server in this process, for the host to join; when the host
/// leaves, everyone else is told the room is closing.
public final class Hosting: Sendable {
    public let server: ChatServer
    private let task: Task<Void, Never>

    /// Opens the database, binds (the web window too, on `httpPort`, unless nil), and starts
    /// serving in a task of its own.
    public init(host: String, port: Int, database: String, httpPort: Int?, logLevel: Logger.Level) async throws {
        var logger = Logger(label: "chat-client --serve")
        logger.logLevel = logLevel
        var configuration = ServerConfiguration(host: host, port: port, databasePath: database)
        // A hosted room ends when its people are gone, even if the host's own client went first.
        configuration.exitWhenEmpty = true
        configuration.httpPort = httpPort
        server = try await ChatServer(configuration: configuration, logger: logger)
        let server = server
        task = Task {
            do { try await server.run() } catch { logger.error("the server stopped: \(error)") }
        }
    }

    /// The address the host's own client connects to: loopback when the server listens on all.
    public var clientHost: String {
        ["0.0.0.0", "::", "", "*"].contains(server.host) ? "127.0.0.1" : server.host
    }

    /// Tells everyone the room is closing, and returns once the server has recorded every leave.
    public func close() async {
        server.beginShutdown(message: RoomClosing.message)
        await task.value
    }
}

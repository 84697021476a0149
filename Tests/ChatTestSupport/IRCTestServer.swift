import ChatServer
import Foundation

/// A real server with the IRC door, as the IRC tests use it: its ports, its database, and IRC
/// clients connected to it.
package struct IRCTestServer: Sendable {
    package let chat: ChatServer
    /// The IRC door's port.
    package let ircPort: Int
    /// The server's database.
    package let database: String

    /// The plain and JSON port.
    package var port: Int { chat.port }

    /// A raw IRC client connected to the IRC door, not registered.
    package func connect() async throws -> IRCTestClient {
        try await IRCTestClient.connect(port: ircPort)
    }

    /// An IRC client registered as `nick` (see `IRCTestClient.register`).
    package func register(
        _ nick: String, capabilities: [String] = [], password: String? = nil
    ) async throws -> IRCTestClient {
        try await IRCTestClient.register(port: ircPort, as: nick, capabilities: capabilities, password: password)
    }
}

/// Runs `body` with a real server on 127.0.0.1 with the IRC door on a free port
/// (`ServerConfiguration.testingIRC`), changed by `configure`. The database is `database` when
/// given (left for the caller to read afterwards), or a temporary one removed afterwards.
package func withIRCServer(
    database: String? = nil, _ configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (IRCTestServer) async throws -> Void
) async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let database = database ?? dir.file("chat.sqlite")
    var configuration = ServerConfiguration.testingIRC(database: database)
    configure(&configuration)
    try await withServer(configuration) { chat in
        guard let ircPort = chat.ircPort else { throw WaitFailure(description: "the server has no IRC port") }
        try await body(IRCTestServer(chat: chat, ircPort: ircPort, database: database))
    }
}

extension IRCTestClient {
    /// `JOIN channel`, then waits for the end of its names (`366`).
    package func join(_ channel: String) async throws {
        try await send("JOIN \(channel)")
        try await expect { $0.command == "366" }
    }
}

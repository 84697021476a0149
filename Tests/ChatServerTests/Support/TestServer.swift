import ChatServer
import ChatStore
import Foundation
import Logging

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "chatroom-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: made!)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a real server on 127.0.0.1, port 0, for the duration of `body`, then shuts it down
/// gracefully and waits until the session is closed.
func withServer<T: Sendable>(
    database: String, _ configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (ChatServer) async throws -> T
) async throws -> T {
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, databasePath: database)
    configuration.nameTimeoutSeconds = 5
    configure(&configuration)
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

/// The events recorded in `database`, read as a tool would.
func recordedEvents(_ database: String) throws -> [Event] {
    try EventReader(path: database).events(EventFilter())
}

/// Waits for `condition` to hold, checking every few milliseconds, for at most `seconds`.
func eventually(within seconds: Double = 10, _ what: String, _ condition: () throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !(try condition()) {
        guard Date() < deadline else { throw WaitFailure(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

import ChatServer
import ChatStore
import Foundation
import Logging

/// A test's failure to see what it waited for, with what it saw instead.
struct WaitFailure: Error, CustomStringConvertible {
    var description: String
}

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "chat-client-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: made!)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A real server on 127.0.0.1 running in a task; `stop()` shuts it down gracefully and waits
/// until every leave is recorded.
final class RunningServer: Sendable {
    let server: ChatServer
    private let task: Task<Void, any Error>

    var port: Int { server.port }

    init(database: String, port: Int = 0, _ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: port, databasePath: database)
        configuration.nameTimeoutSeconds = 5
        configure(&configuration)
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        let server = try await ChatServer(configuration: configuration, logger: logger)
        self.server = server
        task = Task { try await server.run() }
    }

    func stop() async throws {
        server.beginShutdown()
        try await task.value
    }
}

/// Runs `body` with a server, stopping it afterwards whatever happens.
func withServer<T: Sendable>(
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

/// The events recorded in `database`.
func recordedEvents(_ database: String) throws -> [Event] {
    try EventReader(path: database).events(EventFilter())
}

/// Waits for `condition`, checking every few milliseconds, for at most `seconds`.
func eventually(
    within seconds: Double = 15, _ what: @autoclosure () -> String, _ condition: () throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !(try condition()) {
        guard Date() < deadline else { throw WaitFailure(description: "timed out waiting for \(what())") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Waits until `user`'s last leave is recorded in `database` and returns its reason: the server
/// records a leave just after the connection closes, which may be after the client has exited.
func recordedLeave(of user: String, in database: String) async throws -> LeaveReason? {
    var reason: LeaveReason??
    try await eventually("\(user)'s leave to be recorded") {
        reason = try recordedEvents(database).last { $0.user == user && $0.kind == .leave }.map(\.reason)
        return reason != nil
    }
    return reason ?? nil
}

import ChatProtocol
import ChatServer
import ChatStore
import Foundation
import Logging

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "chat-replay-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: made!)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

/// `2026-11-22T10:01:02Z` as milliseconds.
func millis(_ iso: String) -> Int64 {
    Timestamp.parse(iso)!
}

/// Records `events` as one session of a new database at `path`, with their own times; returns
/// them as stored.
@discardableResult
func record(_ events: [NewEvent], at path: String) async throws -> [Event] {
    let store = try EventStore(path: path)
    let writer = try store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
    var stored: [Event] = []
    for event in events { stored.append(try await writer.append(event)) }
    try store.close()
    return stored
}

/// Runs a real server on 127.0.0.1, port 0, for the duration of `body`, then shuts it down
/// gracefully and waits until its session is closed.
func withServer<T: Sendable>(
    database: String, _ body: @Sendable (ChatServer) async throws -> T
) async throws -> T {
    let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, databasePath: database)
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

/// Waits for `condition` to hold, checking every few milliseconds, for at most `seconds`.
func eventually(within seconds: Double = 10, _ what: String, _ condition: () throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !(try condition()) {
        guard Date() < deadline else { throw TestFailure(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

import ChatTestSupport
import Foundation
import Logging
import Testing

@testable import ChatServer

@Suite("ChatServer's lifecycle: initial → running → shuttingDown → shutdown", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test("the enum: run once; a shutdown before run still lets run wind down; then never again")
    func transitions() throws {
        var lifecycle = Lifecycle.initial
        try lifecycle.run()
        #expect(lifecycle == .running)
        #expect(throws: ServerError.self) { try lifecycle.run() }
        let began = lifecycle.beginShutdown()
        let again = lifecycle.beginShutdown()
        #expect(began && !again)
        #expect(!lifecycle.isAccepting)
        lifecycle.stopped()
        #expect(throws: ServerError.self) { try lifecycle.run() }
        var early = Lifecycle.initial
        let earlyBegan = early.beginShutdown()
        #expect(earlyBegan)
        try early.run()
        #expect(early == .shuttingDown(running: true))
    }

    @Test("a second run() throws a clear error, during the run and after it")
    func secondRun() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try await ChatServer(configuration: .testing(database: dir.file("chat.sqlite")), logger: logger)
        let first = Task { try await server.run() }
        _ = try await TestClient.join(port: server.port, as: "alice")
        await #expect(throws: ServerError.self) { try await server.run() }
        server.beginShutdown()
        try await first.value
        do {
            try await server.run()
            Issue.record("a stopped server ran again")
        } catch let error as ServerError {
            #expect("\(error)" == "the server has stopped: a server runs once; make a new one")
        }
    }
}

import ChatModel
import ChatStore
import ChatStorePostgres
import ChatTestSupport
import Testing

/// Two nodes while their database restarts: a suite of its own, so no other test sees it down.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct NodeRestartTests {
    @Test(
        "while the database is down a sender is told its message was not stored; after the restart both nodes chat again"
    )
    func databaseRestart() async throws {
        let cluster = try #require(PostgresCluster.current)
        let address = try await cluster.makeDatabase()
        let (a, b) = (try await startNode(address), try await startNode(address))
        try await withNodes([a, b]) {
            let alice = try await TestClient.join(port: a.port, as: "alice")
            let bob = try await TestClient.join(port: b.port, as: "bob")
            // Bob's join is stored by his node's writer, not in order with alice's lines: wait for
            // it, or the restart may take it.
            try await alice.expect { $0 == "bob joined the chat" }
            try await alice.send("before")
            try await bob.expect { $0 == "alice: before" }

            try cluster.stopServer()
            try await alice.send("while down")
            try await alice.expect { $0.hasPrefix("error: your message could not be stored") }
            try cluster.startServer()

            // The first statement on an idle connection the restart ended may get no answer
            // (postgres-nio): it fails after `answerTimeout`, the sender is told, and it sends again.
            try await sendUntilStored(alice, as: "alice", "after")
            try await bob.expect(within: 20) { $0 == "alice: after" }
            try await sendUntilStored(bob, as: "bob", "bob after")
            try await alice.expect(within: 20) { $0 == "bob: bob after" }
            let stored = plainLines(try await recordedEvents(at: address))
            #expect(stored == ["alice: before", "alice: after", "bob: bob after"])
            #expect(!(try await bob.received).contains("alice: while down"))
        }
    }

    @Test("/health of a node cut off from its database answers 503 once it is out of touch, and 200 when it is back")
    func healthWhileCutOff() async throws {
        let cluster = try #require(PostgresCluster.current)
        let address = try await cluster.makeDatabase()
        let node = try await RunningServer(database: "", logLevel: .critical) {
            $0.database = .postgres(address)
            $0.metricsPort = 0
            $0.presenceHeartbeatSeconds = 0.2
            $0.presenceDeadAfterSeconds = 1
        }
        try await withNodes([node]) {
            let port = try #require(node.server.metricsPort)
            #expect(try await health(port).hasPrefix("HTTP/1.1 200"))
            try cluster.stopServer()
            do {
                try await eventually(within: 15, "the node to say it is out of touch") {
                    try await health(port).hasPrefix("HTTP/1.1 503")
                }
            } catch {
                try cluster.startServer()
                throw error
            }
            #expect(try await health(port).contains(#""store":"failing""#))
            try cluster.startServer()
            try await eventually(within: 20, "the node to be in touch again") {
                try await health(port).hasPrefix("HTTP/1.1 200")
            }
        }
    }
}

/// `GET /health` on the metrics port: the status line, then the rest of the answer.
private func health(_ port: Int) async throws -> String {
    let client = try await TestClient.connect(port: port)
    try await client.send(bytes: Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
    return try await client.expectClosed().joined(separator: "\n")
}

/// Sends `text` until the sender sees it stored (its own line), at most three times; each
/// "could not be stored" is followed by another try.
private func sendUntilStored(_ client: TestClient, as name: String, _ text: String) async throws {
    for _ in 0..<3 {
        try await client.send(text)
        let line = try await client.expect(within: 20) {
            $0 == "\(name): \(text)" || $0.hasPrefix("error: your message could not be stored")
        }
        if line == "\(name): \(text)" { return }
    }
    throw WaitFailure(description: "\(name)'s \(text) was never stored")
}

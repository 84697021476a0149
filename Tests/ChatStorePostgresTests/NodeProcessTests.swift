import ChatModel
import ChatServer
import ChatStore
import ChatStorePostgres
import ChatTestSupport
import Foundation
import Testing

/// `chat-server` processes on one PostgreSQL database: one killed with `kill -9` under traffic.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct NodeProcessTests {
    @Test("a node killed under traffic: every message a client saw is stored, and all stored reach the other node")
    func nodeKilledUnderTraffic() async throws {
        let address = try await freshDatabase()
        try await withTwoProcessNodes(address) { a, b in
            let alice = try await TestClient.join(port: a.port, as: "alice", staysOpen: true)
            let carol = try await TestClient.join(port: a.port, as: "carol", staysOpen: true)
            let bob = try await TestClient.join(port: b.port, as: "bob")
            let talking = Task {
                for n in 0..<2000 { try await alice.send("m\(n)") }
            }
            // Traffic flows through both nodes; then node a dies mid-stream.
            try await bob.expect { $0 == "alice: m100" }
            a.kill9()
            _ = await talking.result  // the socket fails once the process is gone
            let seenOnA = Set(try await alice.received + (try await carol.received)).filter { $0.hasPrefix("alice: m") }
            let stored = plainLines(try await recordedEvents(at: address)).filter { $0.hasPrefix("alice: m") }
            #expect(seenOnA.isSubset(of: Set(stored)))
            #expect(stored.count >= 101)
            // Everything stored reaches the other node's client, in order, once.
            try await bob.expect { $0 == stored.last }
            let seenOnB = try await bob.received.filter { $0.hasPrefix("alice: m") }
            #expect(seenOnB == stored)
            print("node killed: \(stored.count) of 2000 messages stored, \(seenOnA.count) seen on the killed node")
            #expect(b.isRunning)
        }
    }

    @Test("chat-server refuses on PostgreSQL what it cannot do there yet, and never prints the password")
    func refusals() async throws {
        var address = try await freshDatabase()
        address.password = "not-to-be-printed"
        let logs = TemporaryDirectory()
        defer { logs.remove() }
        var started: ServerProcess?
        do {
            started = try ServerProcess(
                database: "postgres://postgres:not-to-be-printed@127.0.0.1:\(address.port)/\(address.database)",
                arguments: ["--max-pages", "100000"], logNextTo: logs.file("refused"))
        } catch {
            #expect(!"\(error)".contains("not-to-be-printed"))
        }
        started?.kill9()
        #expect(started == nil)
        let log = try String(contentsOfFile: try #require(logFile(in: logs.path)), encoding: .utf8)
        #expect(log.contains("not available with PostgreSQL yet"))
        #expect(!log.contains("not-to-be-printed"))
    }

    private func logFile(in directory: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.first { $0.hasSuffix(".log") }.map { directory + "/" + $0 }
    }
}

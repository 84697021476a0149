import ChatTestSupport
import Foundation
import Testing

/// The product's own client across PostgreSQL nodes: `chat-client --other-node`, its node killed.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct ClientFailoverTests {
    @Test("chat-client's node is killed with kill -9: it resumes on the other node, every message once, in order")
    func resumesOnTheOtherNode() async throws {
        let address = try await freshDatabase()
        try await withTwoProcessNodes(address) { a, b in
            let carol = try ClientProcess([
                "--port", "\(a.port)", "--other-node", "127.0.0.1:\(b.port)", "--name", "carol",
            ])
            try await carol.output.waitFor("carol's welcome on a") { $0.contains("carol joined the chat\n") }
            let bob = try await TestClient.join(port: b.port, as: "bob")
            let sent = (0..<10).map { "before \($0)" } + (0..<40).map { "after \($0)" }
            for text in sent.prefix(10) { try await bob.send(text) }
            try await carol.output.waitFor("the messages before the kill") { $0.contains("bob: before 9\n") }

            a.kill9()
            // Sent while carol is cut off, and after she is back: she sees each once, in order.
            for text in sent.dropFirst(10) { try await bob.send(text) }
            try await carol.output.waitFor(within: 20, "the move to node b") {
                $0.contains("connected to 127.0.0.1:\(b.port)")
            }
            try await carol.output.waitFor(within: 20, "the last message") { $0.contains("bob: after 39\n") }
            try carol.type("back on b")
            // Her name is held by the dead node until it is reaped: before that she is carol2.
            try await bob.expect { $0 == "carol2: back on b" }
            try carol.closeInput()
            #expect(try await carol.exitStatus() == 0)

            let seen = carol.output.text.split(separator: "\n").compactMap { line -> String? in
                guard let range = line.range(of: "bob: ") else { return nil }
                return String(line[range.upperBound...])
            }
            #expect(seen == sent)
            #expect(b.isRunning)
        }
    }
}

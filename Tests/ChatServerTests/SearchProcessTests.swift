import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@Suite("Search after kill -9", .timeLimit(.minutes(2)))
struct SearchProcessTests {
    /// Sends `/search words` and returns the answer's first line.
    private func firstLine(_ client: TestClient, _ words: String) async throws -> String {
        try await client.send("/search \(words)")
        return try await client.expect { $0.hasPrefix("--- search:") || $0.hasPrefix("--- no results") }
    }

    @Test("messages committed but never indexed (the server killed with SIGKILL) are found after a restart")
    func killedBeforeIndexing() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        // The indexer is held back, so every message is committed and none indexed when it dies.
        let first = try ServerProcess(database: db, arguments: ["--no-search-index"])
        let alice = try await TestClient.join(port: first.port, as: "alice")
        for index in 0..<300 { try await alice.send("naïve résumé number \(index)") }
        try await alice.expect { $0 == "alice: naïve résumé number 299" }
        #expect(try await firstLine(alice, "naive resume").hasPrefix("--- no results"))
        first.kill9()
        await alice.close()
        let reader = try EventReader(path: db)
        #expect(try reader.searchIndexLag() >= 300)

        let second = try ServerProcess(database: db)
        let bob = try await TestClient.join(port: second.port, as: "bob")
        // The catch-up runs in the background: ask until it has reached the last message.
        let deadline = Date().addingTimeInterval(30)
        var answer = ""
        while Date() < deadline {
            answer = try await firstLine(bob, "resume 299")
            if answer.hasPrefix("--- search: 1 result") { break }
        }
        #expect(answer.hasPrefix("--- search: 1 result"), "\(answer)")
        try await bob.expect { $0.hasSuffix("alice: naïve [résumé] number [299]") }
        #expect(try await firstLine(bob, "NAIVE").hasPrefix("--- search: 20 results"))
        #expect(try EventReader(path: db).searchIndexLag() <= 1)  // bob's join may be the newest
        #expect(try await second.stop() == 0)
    }

    @Test("kill -9 right after commits, the indexer on: a restart finds every message")
    func killedWhileIndexing() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let first = try ServerProcess(database: db)
        let alice = try await TestClient.join(port: first.port, as: "alice")
        for index in 0..<400 { try await alice.send("quokka sighting \(index)") }
        try await alice.expect(within: 30) { $0 == "alice: quokka sighting 399" }
        first.kill9()
        await alice.close()

        let second = try ServerProcess(database: db)
        let bob = try await TestClient.join(port: second.port, as: "bob")
        let deadline = Date().addingTimeInterval(30)
        var answer = ""
        while Date() < deadline {
            answer = try await firstLine(bob, "quokka 399")
            if answer.hasPrefix("--- search: 1 result") { break }
        }
        #expect(answer.hasPrefix("--- search: 1 result"), "\(answer)")
        // No message is indexed twice or skipped: each number is found once.
        for number in [0, 177, 300] {
            #expect(try await firstLine(bob, "quokka \(number)").hasPrefix("--- search: 1 result"))
        }
        #expect(try await second.stop() == 0)
    }
}

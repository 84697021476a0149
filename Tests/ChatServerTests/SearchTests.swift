import ChatModel
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@Suite("Search", .timeLimit(.minutes(2)))
struct SearchTests {
    static let password = "correct horse battery"

    /// Joins the plain door as a registered name (proof enough for its private messages).
    private func logIn(_ name: String, port: Int) async throws -> TestClient {
        let client = try await TestClient.connect(port: port)
        try await client.send(name)
        try await client.expect { $0.hasPrefix("\(name) is a registered name") }
        try await client.send(Self.password)
        try await client.expect { $0.hasPrefix("Hello \(name)!") }
        return client
    }

    /// The lines of one plain `/search` answer, header to footer.
    private func plainSearch(_ client: TestClient, _ words: String) async throws -> [String] {
        let before = try await client.received.count
        try await client.send("/search \(words)")
        try await client.expect { $0 == "--- end of search ---" || $0.hasPrefix("--- no results for") }
        let lines = Array(try await client.received.dropFirst(before))
        guard let start = lines.lastIndex(where: { $0.hasPrefix("--- search:") || $0.hasPrefix("--- no results") })
        else { return [] }
        return Array(lines[start...])
    }

    @Test(
        "plain door: a member finds its rooms' and its own private messages, folded and with every word, never others'")
    func plainDoorScope() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        for name in ["alice", "bob", "carol"] { try addAccount(name, password: Self.password, database: db) }
        try await withServer(database: db) { server in
            let alice = try await logIn("alice", port: server.port)
            let bob = try await logIn("bob", port: server.port)
            let carol = try await logIn("carol", port: server.port)
            // alice and bob are in main; carol goes to secret, where alice is not.
            try await carol.send("/join secret")
            try await carol.expect { $0.contains("#secret") }
            try await carol.send("the café launch is in secret")
            try await carol.expect { $0.hasSuffix("the café launch is in secret") }
            try await bob.send("the CAFE launch is on Friday")
            try await alice.expect { $0 == "bob: the CAFE launch is on Friday" }
            try await bob.send("/msg carol launch cafe privately to carol")
            try await carol.expect { $0.contains("launch cafe privately to carol") }
            try await carol.send("/msg alice launch cafe privately to alice")
            try await alice.expect { $0.contains("launch cafe privately to alice") }
            try await bob.send("a launch without the word")
            try await alice.expect { $0 == "bob: a launch without the word" }
            #expect(try #require(server.store).waitForSearchIndex(timeout: 20))

            let found = try await plainSearch(alice, "Café launch")
            #expect(found.count == 4, "\(found)")
            #expect(found.first == "--- search: 2 results for Café launch, newest first (UTC) ---")
            #expect(found[1].hasSuffix("(private) carol to alice: [launch] [cafe] privately to alice"), "\(found)")
            #expect(found[2].hasSuffix("#main bob: the [CAFE] [launch] is on Friday"), "\(found)")
            // Not carol's room, not bob's private message to carol.
            #expect(!found.joined().contains("secret") && !found.joined().contains("to carol"))

            let carols = try await plainSearch(carol, "cafe launch")
            #expect(carols.count == 6, "\(carols)")  // her room, main, and both her private messages
            #expect(carols.contains { $0.hasSuffix("#secret carol: the [café] [launch] is in secret") })

            #expect(try await plainSearch(bob, "secret") == ["--- no results for secret ---"])
            try await bob.send("/search   ")
            try await bob.expect { $0.contains("/search WORDS") }
            // Hostile words are searched for, and the connection goes on.
            for words in [#"" AND * -"#, "NEAR(", "*", "OR", "-x", String(repeating: "q", count: 1000)] {
                #expect(try await plainSearch(bob, words).first?.hasPrefix("--- no results") == true)
            }
            try await bob.send("still here")
            try await alice.expect { $0 == "bob: still here" }
        }
    }

    @Test("JSON door: search_results, with its own type, the room or recipient, and marked matches")
    func jsonDoor() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await bob.send("crème brûlée for everyone")
            try await bob.expect { $0 == "bob: crème brûlée for everyone" }
            let client = try await TestClient.connect(port: server.port)
            try await client.send(#"{"type":"hello","protocol":1,"name":"json"}"#)
            try await client.expect { $0.contains(#""type":"history_end""#) }
            #expect(try #require(server.store).waitForSearchIndex(timeout: 20))
            try await client.send(#"{"type":"search","query":"creme BRULEE","limit":5}"#)
            let line = try await client.expect { $0.contains(#""type":"search_results""#) }
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(object["query"] as? String == "creme BRULEE")
            let results = try #require(object["results"] as? [[String: Any]])
            #expect(results.count == 1)
            #expect(results.first?["room"] as? String == "main")
            #expect(results.first?["user"] as? String == "bob")
            #expect(results.first?["kind"] as? String == "message")
            #expect(results.first?["snippet"] as? String == "\u{2}crème\u{3} \u{2}brûlée\u{3} for everyone")
            #expect(results.first?["id"] is NSNumber && results.first?["time"] is String)
            // An empty query is an error with a code; a query of operators finds nothing.
            try await client.send(#"{"type":"search","query":"  "}"#)
            try await client.expect { $0.contains(#""type":"error""#) && $0.contains("/search WORDS") }
            try await client.send(#"{"type":"search","query":"\" AND * -"}"#)
            try await client.expect { $0 == #"{"type":"search_results","query":"\" AND * -","results":[]}"# }
            try await client.send(#"{"type":"search"}"#)
            try await client.expect { $0.contains(#""type":"error""#) }
        }
    }

    @Test("IRC door: SEARCH words answers in NOTICEs from the server, the member's channels and queries only")
    func ircDoor() async throws {
        try await withIRCServer { server in
            let alice = try await server.register("alice")
            try await alice.join("#main")
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await bob.send("the déploy notes are in the wiki")
            try await alice.expect {
                $0.command == "PRIVMSG" && $0.parameters.last == "the déploy notes are in the wiki"
            }
            try await bob.send("/join ops")
            try await bob.expect { $0.hasPrefix("*** You are in #ops now") }
            try await bob.send("deploy notes for ops only")
            try await bob.expect { $0.hasSuffix("deploy notes for ops only") }
            #expect(try #require(server.chat.store).waitForSearchIndex(timeout: 20))

            try await alice.send("SEARCH Deploy notes")
            let header = try await alice.expect {
                $0.command == "NOTICE" && ($0.parameters.last ?? "").contains("search")
            }
            #expect(header.parameters.first == "alice")
            #expect(header.parameters.last == "--- search: 1 result for Deploy notes, newest first (UTC) ---")
            let hit = try await alice.expect { $0.command == "NOTICE" }
            #expect(hit.parameters.last?.hasSuffix("#main bob: the [déploy] [notes] are in the wiki") == true, "\(hit)")
            let footer = try await alice.expect { $0.command == "NOTICE" }
            #expect(footer.parameters.last == "--- end of search ---")
            try await alice.send("SEARCH")
            try await alice.expect { $0.command == "461" }
        }
    }
}

import ChatClient
import ChatModel
import ChatProtocol
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// `/search` in chat-client: typed, sent as the JSON `search`, the answer shown as lines.
@Suite("chat-client /search", .timeLimit(.minutes(2)))
struct SearchClientTests {
    @Test("/search WORDS is sent as a search; without words it is a hint and nothing is sent")
    func typed() {
        #expect(UserInput.parse("/search  deploy notes ") == .send(.search(query: "deploy notes")))
        #expect(UserInput.parse("/SEARCH x") == .send(.search(query: "x")))
        guard case .hint(let hint) = UserInput.parse("/search   ") else {
            Issue.record("an empty /search should be a hint")
            return
        }
        #expect(hint.contains("/search WORDS"))
    }

    @Test("a server's results are cleaned like everything it sends, the matches kept in [ ]")
    func hostileResults() {
        let formatter = OutputFormatter(styled: false, color: false)
        let hit = SearchHit(
            id: 3, kind: .message, room: "ma\u{1B}[2Jin", user: "b\u{7}ob", recipient: nil,
            timeMillis: 1_764_000_000_000, snippet: "a \u{2}red\u{1B}[31m\u{3} herring")
        let lines = formatter.lines(.searchResults(query: "red\u{1B}", hits: [hit]))
        #expect(
            lines == [
                "--- search: 1 result for red^[, newest first (UTC) ---",
                "[2025-11-24 16:00:00] #ma^[[2Jin b^Gob: a [red^[[31m] herring",
                "--- end of search ---",
            ])
        #expect(formatter.lines(.searchResults(query: "none", hits: [])) == ["--- no results for none ---"])
    }

    @Test("chat-client in a pipe: /search finds the room's message, folded, with its time and place")
    func process() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            try await talk(port: server.port, as: "bob", ["the Déploy notes are in the wiki", "notes without it"])
            let client = try ClientProcess(["--port", "\(server.port)"])
            try client.type("piper")
            try await client.output.waitFor("piper's join") { $0.contains("piper joined the chat\n") }
            #expect(try #require(server.server.store).waitForSearchIndex(timeout: 20))
            try client.type("/search deploy NOTES")
            try await client.output.waitFor("the results") { $0.contains("--- end of search ---\n") }
            try client.type("/search")
            try client.closeInput()
            #expect(try await client.exitStatus() == 0)
            let lines = client.output.text.split(separator: "\n").map(String.init)
            guard let start = lines.firstIndex(where: { $0.hasPrefix("--- search:") }) else {
                Issue.record("no search header in \(lines)")
                return
            }
            #expect(lines[start] == "--- search: 1 result for deploy NOTES, newest first (UTC) ---")
            #expect(lines[start + 1].hasSuffix("#main bob: the [Déploy] [notes] are in the wiki"), "\(lines)")
            #expect(lines[start + 2] == "--- end of search ---")
            #expect(client.errors.text.contains("/search WORDS"))
            #expect(!(try recordedEvents(db)).contains { $0.text.contains("search") }, "a search is not a message")
        }
    }
}

import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// `chat-replay search` as a user runs it.
@Suite struct SearchCLITests {
    private static let base: Int64 = 1_790_000_000_000  // 2026-09-21T14:13:20Z

    /// Records `events` and waits until the search index holds them all.
    private func recordIndexed(_ events: [NewEvent], at path: String, indexing: Bool = true) throws {
        let store = try EventStore(path: path, searchIndexing: indexing)
        let writer = try store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
        let done = Locked(0)
        for event in events { writer.submit(event) { _ in done.withLock { $0 += 1 } } }
        try store.close()  // commits everything queued
        #expect(done.withLock { $0 } == events.count)
        guard indexing else { return }
        // A second session catches the index up from its watermark.
        let again = try EventStore(path: path)
        _ = try again.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
        #expect(try again.waitForSearchIndex(timeout: 20))
        try again.close()
    }

    private var events: [NewEvent] {
        [
            NewEvent(kind: .message, user: "alice", text: "Le café est ouvert", timeMillis: Self.base),
            NewEvent(
                kind: .message, room: "dev", user: "bob", text: "deploy the cafe menu", timeMillis: Self.base + 1000),
            NewEvent(kind: .action, user: "carol", text: "brings CAFÉ au lait", timeMillis: Self.base + 2000),
            NewEvent(
                kind: .message, room: Room.privateName, user: "dave", text: "secret cafe plans", recipient: "erin",
                timeMillis: Self.base + 3000),
            NewEvent(kind: .message, user: "alice", text: "tea only", timeMillis: Self.base + 4000),
        ]
    }

    @Test func textAndJSONWithFilters() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try recordIndexed(events, at: directory.file("chat.sqlite"))

        let all = try await runCLI(["search", "cafe"], in: directory.path)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stderr.isEmpty)
        #expect(
            all.stdout == """
                [2026-09-21 14:13:23] (private) dave to erin: secret [cafe] plans
                [2026-09-21 14:13:22] #main * carol brings [CAFÉ] au lait
                [2026-09-21 14:13:21] #dev bob: deploy the [cafe] menu
                [2026-09-21 14:13:20] #main alice: Le [café] est ouvert

                """)
        let room = try await runCLI(["search", "--room", "#main", "--limit", "1", "café"], in: directory.path)
        #expect(room.stdout == "[2026-09-21 14:13:22] #main * carol brings [CAFÉ] au lait\n")
        let user = try await runCLI(["search", "--user", "bob", "cafe", "menu"], in: directory.path)
        #expect(user.stdout == "[2026-09-21 14:13:21] #dev bob: deploy the [cafe] [menu]\n")
        let window = try await runCLI(
            ["search", "--since", "2026-09-21T14:13:21Z", "--until", "2026-09-21T14:13:23Z", "cafe"],
            in: directory.path)
        #expect(
            window.stdout.split(separator: "\n").map { $0.prefix(21) } == [
                "[2026-09-21 14:13:22]", "[2026-09-21 14:13:21]",
            ])

        let json = try await runCLI(["search", "--format", "json", "--user", "dave", "cafe"], in: directory.path)
        #expect(
            json.stdout
                == #"{"type":"search_results","query":"cafe","results":[{"id":4,"time":"2026-09-21T14:13:23.000Z","kind":"message","user":"dave","recipient":"erin","snippet":"secret \u0002cafe\u0003 plans"}]}"#
                + "\n")
        // Hostile words are words; nothing matches them here.
        for words in [#"" AND * -"#, "NEAR(", "OR", "-x"] {
            let hostile = try await runCLI(["search", "--", words], in: directory.path)
            #expect(hostile.status == 0 && hostile.stdout.isEmpty, "\(words): \(hostile.stderr)")
        }
        let empty = try await runCLI(["search", "  "], in: directory.path)
        #expect(empty.status == 2 && empty.stderr == "chat-replay: error: search: give at least one word\n")
    }

    @Test func saysWhenTheIndexIsBehind() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try recordIndexed(events, at: directory.file("chat.sqlite"), indexing: false)
        let behind = try await runCLI(["search", "cafe"], in: directory.path)
        #expect(behind.status == 0 && behind.stdout.isEmpty)
        #expect(behind.stderr.contains("the search index is 5 events behind"), "\(behind.stderr)")
    }
}

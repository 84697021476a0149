import ChatModel
import Foundation
import Testing

@testable import ChatStore

@Suite("Search index")
struct SearchIndexTests {
    /// A session whose indexer is on (or off), and its writer.
    private func open(_ path: String, indexing: Bool = true) throws -> (EventStore, EventWriter) {
        let store = try EventStore(path: path, searchIndexing: indexing)
        let writer = try store.startSession(host: "127.0.0.1", port: 7000, version: "test") { _ in }
        return (store, writer)
    }

    private func search(_ store: EventStore, _ words: String, _ scope: SearchScope = SearchScope()) throws
        -> [SearchHit]
    {
        try store.read { try $0.search(words, in: scope) }
    }

    @Test func foldsDiacriticsAndCaseAndNeedsEveryWord() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try open(directory.database)
        _ = try await writer.append(.message("alice", "Un café crème, s'il vous plaît"))
        _ = try await writer.append(.message("bob", "the CAFE opens at nine"))
        _ = try await writer.append(.message("carol", "nine lives"))
        _ = try await writer.append(NewEvent(kind: .action, user: "dave", text: "orders a crème brûlée"))
        _ = try await writer.append(NewEvent(kind: .join, user: "cafe"))
        #expect(try store.waitForSearchIndex(timeout: waitLimit))

        // Newest first; the join (no text, another kind) is never a result.
        #expect(try search(store, "cafe").map(\.user) == ["bob", "alice"])
        #expect(try search(store, "Café").map(\.user) == ["bob", "alice"])
        #expect(try search(store, "creme").map(\.user) == ["dave", "alice"])
        // Every word must be there, in any order.
        #expect(try search(store, "nine cafe").map(\.user) == ["bob"])
        #expect(try search(store, "brulee creme").map(\.user) == ["dave"])
        #expect(try search(store, "cafe lives").isEmpty)
        // The snippet marks each match.
        let hit = try #require(try search(store, "opens").first)
        #expect(hit.snippet(open: "[", close: "]") == "the CAFE [opens] at nine")
        #expect(hit.kind == .message && hit.room == Room.defaultName && hit.recipient == nil)
        #expect(try search(store, "nine", SearchScope(limit: 1)).map(\.user) == ["carol"])
        try store.close()
    }

    @Test func hostileQueriesAreSearchesNeverErrors() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try open(directory.database)
        _ = try await writer.append(.message("alice", #"she said "AND" then NEAR(x) -x * OR"#))
        _ = try await writer.append(.message("bob", "plain words"))
        #expect(try store.waitForSearchIndex(timeout: waitLimit))

        let hostile = [
            #"" AND * -"#, "NEAR(", "*", #"""#, "OR", "-x", "text:plain", "^plain", "plain*", "(", ")", "NOT plain",
            #"\"#, "'", "; DROP TABLE events; --", String(repeating: "a", count: 10_000),
            String(repeating: "x ", count: 5_000), String(repeating: #"""#, count: 10_000),
        ]
        for query in hostile {
            _ = try search(store, query)  // throws on an FTS5 syntax error
        }
        // Operators are words like any other.
        #expect(try search(store, "NEAR(").map(\.user) == ["alice"])
        #expect(try search(store, "OR").map(\.user) == ["alice"])
        #expect(try search(store, "AND").map(\.user) == ["alice"])
        #expect(try search(store, "NOT plain").isEmpty)
        #expect(try search(store, "-x").map(\.user) == ["alice"])
        #expect(try search(store, "plain*").map(\.user) == ["bob"])
        // Nothing to search for finds nothing.
        #expect(try search(store, "   ").isEmpty)
        #expect(try search(store, "*").isEmpty)
        // The events are all still there.
        #expect(try store.read { try $0.lastEventID() } == 2)
        try store.close()
    }

    @Test func privateMessagesAndRoomsAreScoped() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try open(directory.database)
        _ = try await writer.append(.message("alice", "secret plan in main"))
        _ = try await writer.append(.message("bob", "secret plan in dev", room: "dev"))
        _ = try await writer.append(
            NewEvent(
                kind: .message, room: Room.privateName, user: "carol", text: "secret plan for dave", recipient: "dave"))
        _ = try await writer.append(
            NewEvent(
                kind: .message, room: Room.privateName, user: "erin", text: "secret plan for frank", recipient: "frank")
        )
        #expect(try store.waitForSearchIndex(timeout: waitLimit))

        let dave = SearchScope.member("dave", rooms: ["main"], limit: nil)
        #expect(try search(store, "secret plan", dave).map(\.user) == ["carol", "alice"])
        let carol = SearchScope.member("carol", rooms: ["DEV"], limit: nil)
        #expect(try search(store, "secret", carol).map(\.user) == ["carol", "bob"])
        var roomsOnly = SearchScope.member("frank", rooms: ["main"], limit: nil)
        roomsOnly.privateMessages = .none
        #expect(try search(store, "secret", roomsOnly).map(\.user) == ["alice"])
        let hit = try #require(try search(store, "dave", dave).first)
        #expect(hit.room == nil && hit.recipient == "dave")
        // Everything (the replay tool's view), and its filters.
        #expect(try search(store, "secret").count == 4)
        #expect(try search(store, "secret", SearchScope(user: "erin")).map(\.recipient) == ["frank"])
        #expect(try search(store, "secret", SearchScope(rooms: ["dev"], privateMessages: .none)).map(\.user) == ["bob"])
        try store.close()
    }

    @Test func catchesUpAfterEventsCommittedWithoutIndexing() async throws {
        let directory = try TemporaryDirectory()
        do {
            // As a server killed between commit and indexing leaves it: events above the watermark.
            let (store, writer) = try open(directory.database, indexing: false)
            for index in 0..<5000 { writer.submit(.message("alice", "naïve message \(index)")) }
            _ = try await writer.append(.message("bob", "the last naïve one"))
            #expect(try store.read { try $0.searchIndexLag() } == 5001)
            #expect(try search(store, "naive").isEmpty)
            store.abandon()
        }
        let logged = Lines()
        let store = try EventStore(path: directory.database, log: { logged.append($0) })
        _ = try store.startSession(host: "127.0.0.1", port: 7000, version: "test") { _ in }
        #expect(try store.waitForSearchIndex(timeout: waitLimit))
        #expect(try store.read { try $0.searchIndexLag() } == 0)
        #expect(try search(store, "naive last").map(\.user) == ["bob"])
        #expect(try search(store, "naive 4999").map(\.user) == ["alice"])
        #expect(try search(store, "naive", SearchScope(limit: 100)).count == 100)
        // A catch-up bigger than a batch says so in the log, and when it is done.
        #expect(logged.all.contains { $0.contains("indexing") }, "\(logged.all)")
        #expect(logged.all.contains { $0.contains("up to date") }, "\(logged.all)")
        try store.close()
    }

    @Test func purgedEventsLeaveTheIndex() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try open(directory.database)
        _ = try await writer.append(.message("alice", "ephemeral words"))
        _ = try await writer.append(.message("bob", "ephemeral too"))
        #expect(try store.waitForSearchIndex(timeout: waitLimit))
        try store.close()
        let raw = try RawDatabase(directory.database)
        try raw.execute("DELETE FROM events WHERE user = 'alice'")
        // The index holds no entry for the deleted row: its integrity check agrees with the content.
        try raw.execute("INSERT INTO event_search (event_search, rank) VALUES ('integrity-check', 1)")
        #expect(try raw.value("SELECT count(*) FROM event_search WHERE event_search MATCH 'ephemeral'") == "1")
    }

    @Test("a retention purge takes the purged events out of the index; the rest are still found")
    func retentionPurgesSearchEntries() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try open(directory.database)
        let day: Int64 = 86_400_000
        _ = try await writer.append(.message("alice", "deploy notes, old", at: 0))
        _ = try await writer.append(.message("bob", "deploy notes, new", at: 20 * day))
        #expect(try store.waitForSearchIndex(timeout: waitLimit))
        #expect(try search(store, "deploy notes").count == 2)
        let runs = Runs()
        let purger = try Purger(
            writer: writer, policy: RetentionPolicy(defaultMillis: 10 * day), interval: 3600, batchSize: 10,
            clock: { 21 * day }, onPurge: runs.add, onError: { Issue.record("purge failed: \($0)") })
        let run = try #require(runs.wait(for: 1)?.last)
        purger.stop()
        #expect(run.events == 1)
        #expect(try search(store, "deploy notes").map(\.user) == ["bob"])
        try store.close()
        let raw = try RawDatabase(directory.database)
        try raw.execute("INSERT INTO event_search (event_search, rank) VALUES ('integrity-check', 1)")
        #expect(try raw.value("SELECT count(*) FROM event_search WHERE event_search MATCH 'deploy'") == "1")
    }

    @Test func ftsQueriesQuoteEveryWord() {
        #expect(SearchText.ftsQuery(#"a "b" NEAR(c"#) == #""a" """b""" "NEAR(c""#)
        #expect(SearchText.ftsQuery(" \t ") == nil)
        #expect(
            SearchText.ftsQuery(String(repeating: "w ", count: 100))?.split(separator: " ").count == SearchText.maxWords
        )
    }
}

/// Lines collected from another thread.
private final class Lines: Sendable {
    private let lines = Locked<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

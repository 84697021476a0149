import ChatModel
import ChatStore
import ChatStorePostgres
import Foundation
import Testing

extension PostgresReaderTests {
    @Test("history windows, events by time and search answer as SQLite's reader does for the same record")
    func windowsAndSearchAsSQLite() async throws {
        let address = try await freshDatabase()
        let (store, writer) = try await node(address)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-pg-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sqlite = try EventStore(path: directory + "/same.sqlite")
        let sqliteWriter = try sqlite.startSession(host: "test", port: 0, version: "test") { _ in }
        let script: [NewEvent] = [
            NewEvent(kind: .join, room: "dev", user: "carol", timeMillis: 1_000),
            NewEvent(kind: .message, room: "dev", user: "carol", text: "the Cafe opens at nine", timeMillis: 2_000),
            NewEvent(kind: .action, room: "dev", user: "dan", text: "walks to the cafe", timeMillis: 3_000),
            NewEvent(kind: .message, room: "main", user: "erin", text: "cafe in main", timeMillis: 4_000),
            NewEvent(
                kind: .message, room: Room.privateName, user: "carol", text: "cafe later?", recipient: "dan",
                timeMillis: 5_000),
            NewEvent(kind: .notice, room: "dev", user: "carol", text: "closed: the cafe", timeMillis: 6_000),
            NewEvent(kind: .message, room: "dev", user: "dan", text: "tea instead", timeMillis: 7_000),
        ]
        for event in script {
            _ = try await writer.append(event)
            _ = try await sqliteWriter.append(event)
        }
        #expect(try sqlite.waitForSearchIndex(timeout: 20))
        let reader = store.reader()
        for (lower, upper, limit, newest) in [
            (0, Int64.max, 10, true), (2, 7, 2, false), (2, 7, 2, true), (5, 5, 3, true),
        ] {
            let expected = try sqlite.read {
                try $0.messages(room: "dev", above: Int64(lower), below: upper, limit: limit, newest: newest)
            }
            let found = try await reader.messages(
                room: "dev", above: Int64(lower), below: upper, limit: limit, newest: newest)
            #expect(ids(found) == ids(expected))
        }
        for (millis, before) in [(3_000, false), (3_000, true), (3_500, false), (99_000, false), (0, true)] {
            let expected = try sqlite.read { try $0.eventID(atTime: Int64(millis), before: before) }
            #expect(try await reader.eventID(atTime: Int64(millis), before: before) == expected)
        }
        let scopes: [SearchScope] = [
            SearchScope(),
            SearchScope(rooms: ["DEV"], privateMessages: .none),
            .member("dan", rooms: ["dev"], limit: 2),
            SearchScope(user: "carol", sinceMillis: 2_000, untilMillis: 6_000),
            SearchScope(rooms: [], privateMessages: .of("erin")),
        ]
        for scope in scopes {
            for words in ["cafe", "the CAFE", "cafe nine", "nothing", "  "] {
                let expected = try sqlite.read { try $0.search(words, in: scope) }
                let found = try await reader.search(words, in: scope)
                #expect(hitKeys(found) == hitKeys(expected), "\(words) in \(scope)")
                #expect(found.allSatisfy(isHighlighted))
            }
        }
        await reader.close()
        try await store.close()
        try sqlite.close()
    }
}

/// What two stores' hits must agree on (their snippets are made differently).
private func hitKeys(_ hits: [SearchHit]) -> [String] {
    hits.map { "\($0.id) \($0.kind) \($0.room ?? "-") \($0.user) \($0.recipient ?? "-") \($0.timeMillis)" }
}

private func isHighlighted(_ hit: SearchHit) -> Bool {
    hit.snippet.contains(SearchHit.highlightStart) && hit.snippet.contains(SearchHit.highlightEnd)
}

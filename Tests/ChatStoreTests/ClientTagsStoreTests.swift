import CSQLite
import ChatModel
import Foundation
import Testing

@testable import ChatStore

/// Schema 6: IRCv3 client-only tags in `events.client_tags`, and tags-only messages
/// (`tag_message`), which every reader passes over; a version-5 file is read as it is and migrated.
@Suite struct ClientTagsStoreTests {
    /// A version-5 file as the previous release left it: its five steps, one message.
    static func version5(at path: String) throws {
        let raw = try RawDatabase(path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try raw.execute("PRAGMA journal_mode = WAL")
        try raw.execute(
            "BEGIN; " + Schema.migrations[0..<5].joined(separator: ";\n") + "; PRAGMA user_version = 5; COMMIT;")
        try raw.execute(
            """
            INSERT INTO sessions (id, started_ms, ended_ms, state, host, port, version) VALUES
                (1, 1764500000000, 1764500600000, 'clean', '127.0.0.1', 7070, '0.1.0');
            INSERT INTO rooms (id, name) VALUES (1, 'main');
            INSERT INTO events (session_id, room_id, kind, user, text, time_ms, connection) VALUES
                (1, 1, 'message', 'alice', 'old', 1764500001000, 1);
            """)
    }

    @Test func aVersion5FileIsReadAsItIsThenMigrated() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.database
        try Self.version5(at: path)
        // Read-only readers never migrate: the old file reads without the column.
        let old = try EventReader(path: path).recent(limit: 10)
        #expect(old.map(\.text) == ["old"] && old[0].clientTags == nil)

        let store = try EventStore(path: path)
        let writer = try store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
        let tagged = try await writer.append(
            NewEvent(kind: .message, user: "alice", text: "hi", connection: 1, clientTags: "+baz=bat;+x"))
        let typing = try await writer.append(
            NewEvent(kind: .tagMessage, user: "alice", connection: 1, clientTags: "+typing=active"))
        let later = try await writer.append(NewEvent(kind: .message, user: "bob", text: "later", connection: 2))
        try store.close()
        #expect(tagged.clientTags == "+baz=bat;+x" && typing.kind == .tagMessage)

        let raw = try RawDatabase(path, flags: SQLITE_OPEN_READONLY)
        #expect(try raw.value("PRAGMA user_version") == "6")
        #expect(
            try raw.rows("SELECT kind, text, client_tags FROM event_log ORDER BY id") == [
                ["message", "old", nil], ["message", "hi", "+baz=bat;+x"], ["tag_message", "", "+typing=active"],
                ["message", "later", nil],
            ])
        // Every reader passes over the tags-only message: history, counts, exports.
        let reader = try EventReader(path: path)
        #expect(try reader.recent(limit: 10) == [old[0], tagged, later])
        #expect(try reader.events(EventFilter()).map(\.text) == ["old", "hi", "later"])
        #expect(try reader.count(after: 0, through: later.id) == 3)
        #expect(try reader.eventID(fromEnd: 2) == tagged.id)
    }
}

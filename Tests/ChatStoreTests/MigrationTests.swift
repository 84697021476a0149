import CSQLite
import ChatModel
import Foundation
import Testing

@testable import ChatStore

/// A database of the previous release (schema version 1) opened by this one: its history, its
/// sessions and its exports survive the migration to schema 2, and new events (rooms, a private
/// message, a topic, a rename) are added after it.
@Suite struct MigrationTests {
    /// The previous release's schema, as it shipped (the first entry of `Schema.migrations` at
    /// commit 429b1cb, before schema 2). Copied, not referenced: a migration must keep reading
    /// what a real old file holds, even if someone edits the migration list by mistake.
    static let version1 = """
        CREATE TABLE sessions (
            id          INTEGER PRIMARY KEY,
            started_ms  INTEGER NOT NULL,
            ended_ms    INTEGER,
            state       TEXT NOT NULL CHECK (state IN ('running', 'clean', 'unclean')),
            host        TEXT NOT NULL,
            port        INTEGER NOT NULL,
            version     TEXT NOT NULL
        );
        CREATE TABLE rooms (
            id    INTEGER PRIMARY KEY,
            name  TEXT NOT NULL UNIQUE
        );
        CREATE TABLE events (
            id          INTEGER PRIMARY KEY,
            session_id  INTEGER NOT NULL REFERENCES sessions(id),
            room_id     INTEGER NOT NULL REFERENCES rooms(id),
            kind        TEXT NOT NULL,
            user        TEXT NOT NULL,
            text        TEXT NOT NULL DEFAULT '',
            time_ms     INTEGER NOT NULL,
            connection  INTEGER,
            reason      TEXT
        );
        CREATE INDEX events_by_room ON events(room_id, id);
        CREATE INDEX events_by_session ON events(session_id, id);
        CREATE INDEX events_by_time ON events(time_ms);
        CREATE VIEW event_log AS
            SELECT e.id, s.id AS session, r.name AS room, e.kind, e.user, e.text,
                   strftime('%Y-%m-%dT%H:%M:%fZ', e.time_ms / 1000.0, 'unixepoch') AS time,
                   e.connection, e.reason
            FROM events e JOIN rooms r ON r.id = e.room_id JOIN sessions s ON s.id = e.session_id;
        """

    /// Writes a version-1 file the way the previous release did: WAL, its schema, a clean
    /// session, one a crash left `running`, and their events in the one room `main`.
    static func previousRelease(at path: String) throws {
        let raw = try RawDatabase(path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try raw.execute("PRAGMA journal_mode = WAL")
        try raw.execute("BEGIN; " + version1 + " PRAGMA user_version = 1; COMMIT;")
        try raw.execute(
            """
            INSERT INTO sessions (id, started_ms, ended_ms, state, host, port, version) VALUES
                (1, 1764500000000, 1764500600000, 'clean', '127.0.0.1', 7070, '0.9.0'),
                (2, 1764501000000, NULL, 'running', '127.0.0.1', 7070, '0.9.0');
            INSERT INTO rooms (id, name) VALUES (1, 'main');
            INSERT INTO events (session_id, room_id, kind, user, text, time_ms, connection, reason) VALUES
                (1, 1, 'join', 'alice', '', 1764500001000, 1, NULL),
                (1, 1, 'message', 'alice', 'hi from version 1', 1764500002000, 1, NULL),
                (1, 1, 'join', 'bob', '', 1764500003000, 2, NULL),
                (1, 1, 'action', 'bob', 'waves', 1764500004000, 2, NULL),
                (1, 1, 'leave', 'bob', '', 1764500005000, 2, 'connection_lost'),
                (1, 1, 'leave', 'alice', '', 1764500006000, 1, 'quit'),
                (2, 1, 'join', 'carol', '', 1764501001000, 1, NULL),
                (2, 1, 'message', 'carol', 'then it crashed', 1764501002000, 1, NULL);
            """)
    }

    static let oldTexts = ["", "hi from version 1", "", "waves", "", "", "", "then it crashed"]

    @Test func historySessionsAndExportsSurviveAndNewEventsFollow() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.database
        try Self.previousRelease(at: path)

        // This release opens it: migrated to schema 2, nothing rewritten, the crash marked unclean.
        let store = try EventStore(path: path)
        let raw = try RawDatabase(path, flags: SQLITE_OPEN_READONLY)
        #expect(try raw.value("PRAGMA user_version") == "\(Schema.version)")
        #expect(try raw.value("SELECT count(*) FROM events WHERE recipient IS NOT NULL") == "0")
        #expect(try raw.value("SELECT count(*) FROM event_log WHERE room = 'main'") == "8")

        let old = try store.read { try $0.recent(limit: 50) }
        #expect(old.map(\.text) == Self.oldTexts)
        #expect(old.map(\.kind) == [.join, .message, .join, .action, .leave, .leave, .join, .message])
        #expect(old.allSatisfy { $0.room == Room.defaultName && $0.recipient == nil && !$0.isPrivate })
        #expect(old[4].reason == .connectionLost && old[5].reason == .quit && old[1].connection == 1)
        let sessions = try store.read { try $0.sessions() }
        #expect(sessions.map(\.state) == [.clean, .unclean])
        #expect(sessions.map(\.messages) == [2, 1])
        #expect(sessions.map(\.participants) == [2, 1])
        #expect(sessions[1].endedMillis == 1_764_501_002_000)

        // New events after it: rooms, a topic, a private message, a rename.
        let writer = try store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
        let new: [NewEvent] = [
            NewEvent(kind: .join, user: "alice", connection: 1),
            NewEvent(kind: .join, room: "dev", user: "alice", connection: 1),
            NewEvent(kind: .topic, room: "dev", user: "alice", text: "migrations", connection: 1),
            NewEvent(kind: .join, user: "bob", connection: 2),
            NewEvent(
                kind: .message, room: Room.privateName, user: "alice", text: "it kept everything", connection: 1,
                recipient: "bob"),
            NewEvent(kind: .rename, user: "bob", text: "robert", connection: 2),
            NewEvent(kind: .message, room: "dev", user: "alice", text: "in dev", connection: 1),
        ]
        var stored: [Event] = []
        for event in new { stored.append(try await writer.append(event)) }
        try store.close()
        #expect(stored.map(\.id) == Array(9...15))

        let reader = try EventReader(path: path)
        #expect(try reader.recent(limit: 50).map(\.text) == Self.oldTexts + ["", "", "robert"])
        #expect(try reader.recent(room: "dev", limit: 50).map(\.text) == ["", "migrations", "in dev"])
        let all = try reader.events(EventFilter(includePrivate: true))
        #expect(all.count == 15)
        #expect(
            all.filter(\.isPrivate).map { [$0.user, $0.recipient ?? "", $0.text] } == [
                ["alice", "bob", "it kept everything"]
            ])
        #expect(try reader.events(EventFilter()).count == 14)
        #expect(try reader.sessions().map(\.state) == [.clean, .unclean, .clean])
        #expect(
            try reader.roomCounts()
                == [
                    RoomCount(session: 1, room: "main", messages: 2, joins: 2, leaves: 2),
                    RoomCount(session: 2, room: "main", messages: 1, joins: 1),
                    RoomCount(session: 3, room: "dev", messages: 1, joins: 1),
                    RoomCount(session: 3, room: "main", joins: 2),
                    RoomCount(session: 3, room: "", messages: 1),
                ])

        // chat-replay exports the migrated file: every session, the old events as they were.
        let ndjson = try runChatReplay([
            "export", "--all", "--include-private", "--format", "ndjson", "--database", path,
        ])
        #expect(ndjson.status == 0, "\(ndjson.stderr)")
        let objects = try ndjson.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["text"] as? String } == all.map(\.text))
        #expect(objects.map { $0["room"] as? String } == all.map(\.room))
        #expect(objects.compactMap { $0["recipient"] as? String } == ["bob"])
        #expect(objects[4]["reason"] as? String == "connection_lost")
        let text = try runChatReplay(["export", "--session", "1", "--database", path])
        #expect(
            text.stdout
                == """
                [2025-11-30 10:53:21] alice joined the chat
                [2025-11-30 10:53:22] alice: hi from version 1
                [2025-11-30 10:53:23] bob joined the chat
                [2025-11-30 10:53:24] * bob waves
                [2025-11-30 10:53:25] bob left the chat (connection lost)
                [2025-11-30 10:53:26] alice left the chat

                """)
    }
}

/// A database of schema version 2 (private messages, topics, renames) opened by this one: its
/// events keep a NULL target, the accounts, invites and sanctions tables appear empty, and
/// moderation events with a target follow, through the reader, the `event_log` view and exports.
@Suite struct MigrationFromVersion2Tests {
    /// Schema 2 as it shipped (the second entry of `Schema.migrations` at commit fad6c2c), copied.
    static let version2Step = """
        ALTER TABLE events ADD COLUMN recipient TEXT;
        CREATE INDEX events_private_to ON events(recipient, id) WHERE recipient IS NOT NULL;
        CREATE INDEX events_private_from ON events(user, id) WHERE recipient IS NOT NULL;
        CREATE INDEX events_topics ON events(room_id, id) WHERE kind = 'topic';
        DROP VIEW event_log;
        CREATE VIEW event_log AS
            SELECT e.id, s.id AS session, nullif(r.name, '') AS room, e.kind, e.user, e.text,
                   strftime('%Y-%m-%dT%H:%M:%fZ', e.time_ms / 1000.0, 'unixepoch') AS time,
                   e.connection, e.reason, e.recipient
            FROM events e JOIN rooms r ON r.id = e.room_id JOIN sessions s ON s.id = e.session_id;
        """

    /// Writes a version-2 file the way the previous release did: WAL, its schema, a clean session
    /// with a room, a topic, a private message and a rename.
    static func previousRelease(at path: String) throws {
        let raw = try RawDatabase(path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try raw.execute("PRAGMA journal_mode = WAL")
        try raw.execute(
            "BEGIN; " + MigrationTests.version1 + version2Step + " PRAGMA user_version = 2; COMMIT;")
        try raw.execute(
            """
            INSERT INTO sessions (id, started_ms, ended_ms, state, host, port, version) VALUES
                (1, 1764500000000, 1764500600000, 'clean', '127.0.0.1', 7070, '0.1.0');
            INSERT INTO rooms (id, name) VALUES (1, 'main'), (2, 'dev'), (3, '');
            INSERT INTO events (session_id, room_id, kind, user, text, time_ms, connection, reason, recipient) VALUES
                (1, 1, 'join', 'alice', '', 1764500001000, 1, NULL, NULL),
                (1, 2, 'topic', 'alice', 'deploys', 1764500002000, 1, NULL, NULL),
                (1, 3, 'message', 'alice', 'psst', 1764500003000, 1, NULL, 'bob'),
                (1, 1, 'rename', 'bob', 'robert', 1764500004000, 2, NULL, NULL),
                (1, 1, 'leave', 'alice', '', 1764500005000, 1, 'quit', NULL);
            """)
    }

    @Test func eventsKeepANullTargetAndModerationFollows() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.database
        try Self.previousRelease(at: path)

        let store = try EventStore(path: path)
        let raw = try RawDatabase(path, flags: SQLITE_OPEN_READONLY)
        #expect(try raw.value("PRAGMA user_version") == String(Schema.version))
        #expect(try raw.value("SELECT count(*) FROM events WHERE target IS NOT NULL") == "0")
        #expect(try raw.value("SELECT count(*) FROM events WHERE recipient = 'bob'") == "1")
        for table in ["accounts", "invites", "sanctions"] {
            #expect(try raw.value("SELECT count(*) FROM \(table)") == "0", "\(table)")
        }
        let old = try store.read { try $0.events(EventFilter(includePrivate: true)) }
        #expect(old.map(\.text) == ["", "deploys", "psst", "robert", ""])
        #expect(old.allSatisfy { $0.target == nil })
        #expect(old[2].recipient == "bob" && old[4].reason == .quit)

        // Moderation after it: the target is stored, read back, in the view and in exports.
        let writer = try store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
        let kick = try await writer.append(
            NewEvent(kind: .kick, user: "alice", text: "flooding", connection: 1, target: "mallory"))
        let ban = try await writer.append(
            NewEvent(kind: .ban, user: "alice", text: "for 1 h", connection: 1, target: "192.0.2.7"))
        let leave = try await writer.append(
            NewEvent(kind: .leave, user: "mallory", connection: 3, reason: .kicked))
        try store.close()
        #expect(kick.target == "mallory" && ban.target == "192.0.2.7" && leave.target == nil)

        let reader = try EventReader(path: path)
        #expect(try reader.recent(limit: 3) == [kick, ban, leave])
        #expect(try reader.recent(limit: 3).map(\.target) == ["mallory", "192.0.2.7", nil])
        let view = try RawDatabase(path, flags: SQLITE_OPEN_READONLY)
        #expect(
            try view.rows("SELECT kind, user, target, recipient FROM event_log WHERE id > 5 ORDER BY id") == [
                ["kick", "alice", "mallory", nil], ["ban", "alice", "192.0.2.7", nil], ["leave", "mallory", nil, nil],
            ])
        #expect(try view.value("SELECT recipient FROM event_log WHERE id = 3") == "bob")

        let ndjson = try runChatReplay([
            "export", "--all", "--include-private", "--format", "ndjson", "--database", path,
        ])
        #expect(ndjson.status == 0, "\(ndjson.stderr)")
        let objects = try ndjson.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == 8)
        #expect(objects.map { $0["target"] as? String } == [nil, nil, nil, nil, nil, "mallory", "192.0.2.7", nil])
        #expect(objects[2]["recipient"] as? String == "bob")
    }
}

/// Runs the built `chat-replay` (next to the test bundle), waiting at most 60 s.
func runChatReplay(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var binary: URL?
    for _ in 0..<5 where binary == nil {
        let candidate = directory.appendingPathComponent("chat-replay")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { binary = candidate }
        directory.deleteLastPathComponent()
    }
    guard let binary else {
        throw RawError(message: "chat-replay not found near \(CommandLine.arguments[0]) (swift build --build-tests)")
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
    defer { watchdog.cancel() }
    // Read to the end before waiting, so a large output cannot fill the pipe and block it.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

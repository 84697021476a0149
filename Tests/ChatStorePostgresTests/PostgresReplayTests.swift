import ChatModel
import ChatReplay
import ChatStore
import ChatStorePostgres
import Foundation
import Testing

/// `chat-replay sessions`, `export` and `search` on PostgreSQL: a record migrated from SQLite reads
/// back exactly as the file does, through the same `ReplaySource` seam.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresReplayTests {
    /// The selections compared: the latest session, one by number, every session with private
    /// messages, one room, users and kinds, an incremental export and a time window.
    static let selections: [(filter: EventFilter, room: RoomSelection, spansSessions: Bool)] = [
        (EventFilter(session: 3), RoomSelection(), false),
        (EventFilter(session: 1), RoomSelection(), false),
        (EventFilter(), RoomSelection(includePrivate: true), true),
        (EventFilter(), RoomSelection(room: "#DEV"), true),
        (EventFilter(users: ["alice"], kinds: [.message, .rename]), RoomSelection(), true),
        (EventFilter(afterID: 9), RoomSelection(includePrivate: true), false),
        (EventFilter(sinceMillis: 0, untilMillis: Int64.max), RoomSelection(), false),
    ]

    @Test("sessions and export in every format read a migrated record byte for byte as its SQLite file")
    func sameOutputAsSQLite() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (path, text) = try await Self.migratedRecord(in: directory)

        let sqlite = try ReplayDatabase.openReader(path: path)
        let postgres = try PostgresReplaySource(address: text)
        #expect(!postgres.place.contains("secret"))

        do {
            try await Self.compare(sqlite, postgres)
        } catch {
            await postgres.close()
            throw error
        }
        await postgres.close()
    }

    @Test("a room the PostgreSQL record does not have is refused naming the rooms it has, without the password")
    func unknownRoom() async throws {
        let address = try await freshDatabase()
        let (store, writer) = try await node(address)
        _ = try await writer.append(message("alice", "hi", room: "dev"))
        try await store.close()
        let postgres = try PostgresReplaySource(
            address: "postgres://postgres:secret@127.0.0.1:\(address.port)/\(address.database)")
        let refusal: ReplayError?
        do {
            _ = try await RoomSelection(room: "ops").apply(to: EventFilter(), source: postgres, path: postgres.place)
            refusal = nil
        } catch {
            refusal = error
        }
        await postgres.close()
        #expect(refusal?.message == "\(address): no room #ops (rooms: #dev)")
    }

    /// `sessions`, every export of `selections` in every format, and a search: the same on both.
    static func compare(_ sqlite: EventReader, _ postgres: PostgresReplaySource) async throws {
        let now: Int64 = 2_000_000_000_000
        let sessions = try await Self.listing(sqlite, now: now)
        #expect(sessions.contains("#dev"))
        #expect(try await Self.listing(postgres, now: now) == sessions)

        for selection in Self.selections {
            for format in TranscriptFormat.allCases {
                let expected = try await Self.export(sqlite, selection, format)
                #expect(!expected.hasSuffix("count: 0, lastID: nil)"))
                let actual = try await Self.export(postgres, selection, format)
                #expect(actual == expected, "\(format) of \(selection.filter), \(selection.room)")
            }
        }

        let scope = SearchScope(rooms: nil, privateMessages: .all, user: nil, limit: 20)
        // The file's search index is the server's to fill (this one has none yet): the hits are
        // the messages holding the word, newest first.
        let hello = try sqlite.events(EventFilter(includePrivate: true)).filter { $0.text.contains("hello") }
        let foundOnPostgres = try await postgres.search("HELLO", in: scope).map(\.id)
        #expect(hello.count == 2)
        #expect(foundOnPostgres == ids(hello.reversed()))
    }

    /// A directory of its own for one test.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-replay-pg-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Three sessions (rooms, a topic, a private message, a rename, then more than a page of
    /// lines) in `directory/chat.sqlite`, migrated into a fresh database: the file's path and the
    /// database's address, with a password the cluster does not ask for.
    static func migratedRecord(in directory: URL) async throws -> (path: String, address: String) {
        let path = directory.appendingPathComponent("chat.sqlite").path
        try await PostgresMigrationTests.writeSQLiteHistory(at: path)
        try await writeLongSession(at: path)
        let address = try await freshDatabase()
        let text = "postgres://postgres:secret@127.0.0.1:\(address.port)/\(address.database)"
        _ = try await Migration.run(from: path, to: text)
        return (path, text)
    }

    /// The `sessions` listing, table and JSON, as the command prints it.
    static func listing(_ source: any ReplaySource, now: Int64) async throws -> String {
        let (sessions, rooms) = (try await source.sessions(), try await source.roomCounts())
        return SessionTable.text(sessions, rooms: rooms, now: now) + SessionTable.json(sessions, rooms: rooms, now: now)
    }

    /// An export as the command writes it, its summary on the last line.
    static func export(
        _ source: any ReplaySource, _ selection: (filter: EventFilter, room: RoomSelection, spansSessions: Bool),
        _ format: TranscriptFormat
    ) async throws -> String {
        let filter = try await selection.room.apply(to: selection.filter, source: source, path: "record")
        let output = StringOutput()
        var writer = format.writer(to: output)
        let summary = try await Exporter.export(
            from: source, filter: filter,
            header: TranscriptHeader(title: "Record", spansSessions: selection.spansSessions), to: &writer)
        return output.text + "\(summary)"
    }

    /// A third session longer than one page of an export.
    static func writeLongSession(at path: String) async throws {
        let store = try EventStore(path: path)
        let writer = try store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
        for index in 0..<600 { _ = try await writer.append(message("carol", "line \(index)", room: "dev")) }
        try store.close()
    }
}

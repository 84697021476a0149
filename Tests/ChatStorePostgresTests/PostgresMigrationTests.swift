import ChatModel
import ChatReplay
import ChatStore
import ChatStorePostgres
import ChatTestSupport
import Foundation
import Testing

@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresMigrationTests {
    @Test("chat-replay migrate copies a SQLite record written by EventStore: same sessions, same events with their ids")
    func migrateFromSQLite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-migrate-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("chat.sqlite").path
        try await Self.writeSQLiteHistory(at: path)

        let address = try await freshDatabase()
        let report = try await Migration.run(
            from: path, to: "postgres://postgres@127.0.0.1:\(address.port)/\(address.database)")

        let sqlite = try EventReader(path: path)
        let expectedEvents = try sqlite.events(EventFilter(includePrivate: true))
        let expectedSessions = try sqlite.sessions()
        #expect(report.events == expectedEvents.count)
        #expect(report.sessions == 2)
        #expect(report.lastEventID == expectedEvents.last?.id)

        let store = try await PostgresEventStore(address: address)
        let reader = store.reader()
        let events = try await reader.events(after: 0, limit: 10_000)
        #expect(events == expectedEvents)
        let sessions = try await reader.sessions()
        #expect(sessions == expectedSessions)  // ids, times, state, host, counts
        #expect(try await reader.roomNames() == (try sqlite.roomNames()))
        #expect(try await reader.topics() == (try sqlite.topics()))

        // The record goes on where SQLite left it: the next id and a new session.
        let writer = try await store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
        let next = try await writer.append(message("carol", "on postgres"))
        #expect(next.id == (expectedEvents.last?.id ?? 0) + 1)
        let typing = try await writer.append(NewEvent(kind: .tagMessage, user: "carol", clientTags: "+typing=paused"))
        #expect(try await reader.events(after: next.id, limit: 10) == [typing])
        #expect(typing.clientTags == "+typing=paused")
        #expect(writer.session > (expectedSessions.last?.id ?? 0))
        #expect(next.timeMillis >= (expectedEvents.last?.timeMillis ?? 0))
        await reader.close()
        try await store.close()

        var refusal: ReplayError?
        do {
            _ = try await Migration.run(
                from: path, to: "postgres://postgres@127.0.0.1:\(address.port)/\(address.database)")
        } catch {
            refusal = error
        }
        #expect(refusal?.message.contains("already holds a chat record") == true)
    }

    @Test(
        "a purged SQLite record migrates with retention's record: the same sessions and room counts, and its backup migrates whole"
    )
    func migratePurgedRecord() async throws {
        let directory = try PostgresReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("chat.sqlite").path
        let now = currentTimeMillis()
        try await Self.writePurgedSQLiteHistory(at: path, now: now)

        let chatReplay = PostgresBackupTests.chatReplay
        let address = try await freshDatabase()
        let text = "postgres://postgres@127.0.0.1:\(address.port)/\(address.database)"
        let migrate = try await runProcess(chatReplay, ["migrate", "--from", path, "--to", text])
        #expect(migrate.status == 0, "\(migrate.errors)")
        #expect(migrate.output.contains("4 sessions, 2 rooms, "), "\(migrate.output)")
        #expect(migrate.output.contains(", 3 purges (19 events purged), counts verified"), "\(migrate.output)")

        let sqlite = try EventReader(path: path)
        let expected = try await PostgresReplayTests.listing(sqlite, now: now)
        #expect(expected.contains("\"purged\":19"))
        let postgres = try PostgresReplaySource(address: text)
        let (listing, rooms) = (
            try await PostgresReplayTests.listing(postgres, now: now), try await postgres.roomCounts()
        )
        await postgres.close()
        #expect(listing == expected)
        #expect(rooms == (try sqlite.roomCounts()))

        // SQLite → PostgreSQL → backup archive → a new database: the same record as the file.
        let archive = directory.appendingPathComponent("archive.sqlite").path
        let backup = try await runProcess(chatReplay, ["backup", "--database", text, archive])
        #expect(backup.status == 0, "\(backup.errors)")
        let restored = try await freshDatabase()
        let restoredText = "postgres://postgres@127.0.0.1:\(restored.port)/\(restored.database)"
        let again = try await runProcess(chatReplay, ["migrate", "--from", archive, "--to", restoredText])
        #expect(again.status == 0, "\(again.errors)")
        #expect(again.output.contains(", 3 purges (19 events purged), counts verified"), "\(again.output)")
        let original = try await PostgresBackupTests.record(path, in: directory)
        #expect(original.contains("\"purged\":19"))
        #expect(try await PostgresBackupTests.record(restoredText, in: directory) == original)
    }

    @Test("migrate refuses an address that is not postgres://, without touching anything")
    func migrateRefusesBadAddress() async throws {
        var refusal: ReplayError?
        do {
            _ = try await Migration.run(from: "/nonexistent.sqlite", to: "mysql://x@y/z")
        } catch {
            refusal = error
        }
        #expect(refusal?.message.contains("postgres://") == true)
    }

    /// A first session whose 19 events (in #main, #dev and private) are ten days old, then
    /// `writeSQLiteHistory`'s two, then retention run on the file with a one-day limit (a fourth session): the first
    /// session's events are purged, its counts kept in the purge record.
    static func writePurgedSQLiteHistory(at path: String, now: Int64) async throws {
        let old = now - 10 * 86_400_000
        let store = try EventStore(path: path)
        let writer = try store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
        var script: [NewEvent] = [
            NewEvent(kind: .join, user: "alice", connection: 1, timeMillis: old),
            NewEvent(kind: .join, room: "dev", user: "bob", connection: 2, timeMillis: old),
            NewEvent(
                kind: .message, room: Room.privateName, user: "bob", text: "old psst", recipient: "alice",
                timeMillis: old),
            NewEvent(kind: .leave, room: "dev", user: "bob", reason: .connectionLost, timeMillis: old),
        ]
        script += (0..<10).map { NewEvent(kind: .message, user: "alice", text: "old \($0)", timeMillis: old) }
        script += (0..<5).map {
            NewEvent(kind: .message, room: "dev", user: "carol", text: "old \($0)", timeMillis: old)
        }
        for event in script { _ = try await writer.append(event) }
        try store.close()
        try await writeSQLiteHistory(at: path)

        let purging = try EventStore(path: path)
        let purgingWriter = try purging.startSession(host: "127.0.0.1", port: 7070, version: "purge") { _ in }
        let (runs, ran) = AsyncStream<PurgeRun>.makeStream()
        let purger = try Purger(
            writer: purgingWriter, policy: RetentionPolicy(defaultMillis: 86_400_000), clock: { now },
            onPurge: { ran.yield($0) },
            onError: {
                Issue.record("purge failed: \($0)")
                ran.finish()
            })
        var run: PurgeRun?
        for await first in runs {
            run = first
            break
        }
        purger.stop()
        try purging.close()
        #expect(run?.events == 19)
    }

    /// Two sessions of a real server's store: rooms, a topic, a private message, IRC client tags, a
    /// rename, leaves.
    static func writeSQLiteHistory(at path: String) async throws {
        for run in 0..<2 {
            let store = try EventStore(path: path)
            let writer = try store.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
            let script: [NewEvent] = [
                NewEvent(kind: .join, user: "alice", connection: 1),
                NewEvent(kind: .join, room: "dev", user: "bob", connection: 2),
                NewEvent(kind: .topic, room: "dev", user: "bob", text: "run \(run)"),
                message("alice", "hello from run \(run)"),
                NewEvent(kind: .action, user: "alice", text: "waves"),
                NewEvent(kind: .message, user: "alice", text: "tagged", clientTags: "+draft/reply=\(run)"),
                NewEvent(kind: .tagMessage, user: "bob", clientTags: "+typing=active"),
                NewEvent(kind: .message, room: Room.privateName, user: "bob", text: "psst", recipient: "alice"),
                NewEvent(kind: .rename, user: "alice", text: "alicia"),
                NewEvent(kind: .leave, room: "dev", user: "bob", reason: .connectionLost),
            ]
            for event in script { _ = try await writer.append(event) }
            try store.close()
        }
    }
}

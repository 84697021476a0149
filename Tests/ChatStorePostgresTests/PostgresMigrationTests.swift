import ChatModel
import ChatReplay
import ChatStore
import ChatStorePostgres
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

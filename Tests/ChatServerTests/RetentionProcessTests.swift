import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// `chat-server --retain` as people run it: a real process on a real file, then `chat-replay`.
@Suite("Retention, as processes", .timeLimit(.minutes(2)))
struct RetentionProcessTests {
    @Test("chat-server --retain purges at start-up; sessions keep their counts; export --after-id goes on")
    func retainPurgesAtStartUp() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let day: Int64 = 86_400_000
        let now = currentTimeMillis()
        // Session 1: ten days ago, all of it older than --retain 1d. Session 2: a minute ago.
        var store = try EventStore(path: db)
        var writer = try store.startSession(host: "127.0.0.1", port: 1, version: "test") { _ in }
        let old = writer.session
        _ = try await writer.append(NewEvent(kind: .join, user: "ann", connection: 1, timeMillis: now - 10 * day))
        _ = try await writer.append(NewEvent(kind: .message, user: "ann", text: "old one", timeMillis: now - 10 * day))
        _ = try await writer.append(NewEvent(kind: .message, user: "ann", text: "old two", timeMillis: now - 10 * day))
        let lastOld = try await writer.append(
            NewEvent(kind: .leave, user: "ann", connection: 1, reason: .quit, timeMillis: now - 10 * day))
        try store.close()
        store = try EventStore(path: db)
        writer = try store.startSession(host: "127.0.0.1", port: 1, version: "test") { _ in }
        let recent = try await writer.append(
            NewEvent(kind: .message, user: "bob", text: "recent", timeMillis: now - 60_000))
        try store.close()

        let server = try ServerProcess(database: db, arguments: ["--retain", "1d", "--retain-room", "dev=forever"])
        try await eventually("the start-up purge in the log: \(server.log)") {
            server.log.contains("retention: purged 4 events of #main older than")
        }
        #expect(try await server.stop() == 0)

        let reader = try EventReader(path: db)
        #expect(try reader.events(EventFilter(includePrivate: true)).map(\.id) == [recent.id])
        #expect(try reader.integrityCheck() == "ok")

        let replay = ServerProcess.productsDirectory.appendingPathComponent("chat-replay").path
        let sessions = try await runProcess(replay, ["sessions", "--json", "--database", db])
        #expect(sessions.status == 0)
        let first = try #require(sessions.output.split(separator: "\n").first { $0.contains("\"id\":\(old),") })
        #expect(first.contains("\"participants\":1,\"messages\":2,\"joins\":1,\"leaves\":1"))
        #expect(first.contains("\"purged\":4"))

        // An export made before the purge stopped at the last old event: the next one continues.
        let export = try await runProcess(
            replay, ["export", "--after-id", "\(lastOld.id)", "--format", "ndjson", "--database", db])
        #expect(export.status == 0)
        let lines = export.output.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("\"id\":\(recent.id)") == true)
        #expect(lines.first?.contains("recent") == true)
    }

    @Test("a --retain or --retain-room that is no duration is refused before anything starts")
    func badRetentionIsRefused() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = ServerProcess.executable.path
        let soon = try await runProcess(server, ["--port", "0", "--database", db, "--retain", "soon"])
        #expect(soon.status != 0)
        #expect(soon.errors.contains("--retain: soon is no duration"))
        let room = try await runProcess(server, ["--port", "0", "--database", db, "--retain-room", "dev"])
        #expect(room.status != 0)
        #expect(room.errors.contains("--retain-room: dev: say ROOM=DURATION"))
        #expect(!FileManager.default.fileExists(atPath: db))
    }
}

import ChatModel
import Foundation
import Testing

@testable import ChatStore

@Suite("Sessions")
struct SessionTests {
    @Test func aCleanStopIsRecordedWithCounts() async throws {
        let directory = try TemporaryDirectory()
        let before = currentTimeMillis()
        let (store, writer) = try openSession(directory.database)
        _ = try await writer.append(NewEvent(kind: .join, user: "alice", connection: 1))
        _ = try await writer.append(NewEvent(kind: .join, user: "bob", connection: 2))
        _ = try await writer.append(.message("alice", "hi"))
        _ = try await writer.append(NewEvent(kind: .action, user: "bob", text: "waves"))
        _ = try await writer.append(.message("alice", "bye"))
        _ = try await writer.append(NewEvent(kind: .leave, user: "bob", connection: 2, reason: .quit))
        _ = try await writer.append(NewEvent(kind: .leave, user: "alice", connection: 1, reason: .connectionLost))

        let reader = try EventReader(path: directory.database)
        let running = try #require(try reader.sessions().first)
        #expect(running.state == .running)
        #expect(running.endedMillis == nil)
        #expect(try reader.latestSessionID() == running.id)
        try store.close()
        let after = currentTimeMillis()

        let sessions = try reader.sessions()
        #expect(sessions.count == 1)
        let session = try #require(sessions.first)
        #expect(session.id == writer.session)
        #expect(session.state == .clean)
        #expect(session.host == "127.0.0.1" && session.port == 7000 && session.version == "test")
        #expect(before <= session.startedMillis && session.startedMillis <= after)
        let ended = try #require(session.endedMillis)
        #expect(session.startedMillis <= ended && ended <= after)
        #expect(session.messages == 3)  // messages and actions
        #expect(session.joins == 2)
        #expect(session.leaves == 2)
        #expect(session.participants == 2)
        #expect(try reader.session(session.id) == session)
        #expect(try reader.session(99) == nil)
    }

    @Test func aServerThatDiedIsMarkedUnclean() async throws {
        let directory = try TemporaryDirectory()
        var (store, writer) = try openSession(directory.database)
        _ = try await writer.append(NewEvent(kind: .join, user: "carol", timeMillis: 2_000_000_000_000))
        let last = try await writer.append(.message("carol", "anyone?", at: 2_000_000_005_000))
        let crashed = writer.session
        store.abandon()  // as kill -9: the row still says running, the lock is gone

        let reader = try EventReader(path: directory.database)
        // No server holds the database, so a reader already reports the truth.
        #expect(try reader.session(crashed)?.state == .unclean)
        let raw = try RawDatabase(directory.database)
        #expect(try raw.value("SELECT state FROM sessions WHERE id = \(crashed)") == "running")

        // The next server marks it unclean for good, ended at its last event.
        (store, writer) = try openSession(directory.database)
        #expect(try raw.value("SELECT state FROM sessions WHERE id = \(crashed)") == "unclean")
        let session = try #require(try reader.session(crashed))
        #expect(session.state == .unclean)
        #expect(session.endedMillis == last.timeMillis)
        #expect(session.messages == 1 && session.joins == 1 && session.leaves == 0 && session.participants == 1)
        #expect(try reader.session(writer.session)?.state == .running)
        try store.close()
        #expect(try reader.sessions().map(\.state) == [.unclean, .clean])
    }

    @Test func aSessionThatDiedBeforeAnyEventEndsWhenItStarted() throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        let crashed = writer.session
        store.abandon()
        try EventStore(path: directory.database).close()
        let session = try #require(try EventReader(path: directory.database).session(crashed))
        #expect(session.state == .unclean)
        #expect(session.endedMillis == session.startedMillis)
        #expect(session.messages == 0 && session.participants == 0)
    }
}

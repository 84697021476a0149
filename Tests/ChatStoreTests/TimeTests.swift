import CSQLite
import ChatModel
import Foundation
import Testing

@testable import ChatStore

@Suite("Event times")
struct TimeTests {
    @Test func explicitTimesAreKeptAndNeverGoBackwards() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        defer { try? store.close() }
        #expect(try await writer.append(.message("a", "1", at: 1_000_000)).timeMillis == 1_000_000)
        #expect(try await writer.append(.message("a", "2", at: 2_000_000)).timeMillis == 2_000_000)
        // Earlier than the previous event: recorded at the previous event's time.
        #expect(try await writer.append(.message("a", "3", at: 1_500_000)).timeMillis == 2_000_000)
        let before = currentTimeMillis()
        let now = try await writer.append(.message("a", "4")).timeMillis
        #expect(before <= now && now <= currentTimeMillis())
        let future = now + 3_600_000
        #expect(try await writer.append(.message("a", "5", at: future)).timeMillis == future)
        #expect(try await writer.append(.message("a", "6")).timeMillis == future)

        let stored = try EventReader(path: directory.database).events(EventFilter())
        #expect(stored.map(\.timeMillis) == [1_000_000, 2_000_000, 2_000_000, now, future, future])
        // The event_log view spells times in UTC with milliseconds.
        let raw = try RawDatabase(directory.database, flags: SQLITE_OPEN_READONLY)
        #expect(try raw.value("SELECT time FROM event_log WHERE id = 1") == "1970-01-01T00:16:40.000Z")
    }

    @Test func timesNeverGoBackwardsAcrossSessions() async throws {
        let directory = try TemporaryDirectory()
        var (store, writer) = try openSession(directory.database)
        let future = currentTimeMillis() + 3_600_000
        _ = try await writer.append(.message("a", "from the future", at: future))
        try store.close()

        (store, writer) = try openSession(directory.database)
        defer { try? store.close() }
        #expect(try await writer.append(.message("a", "now")).timeMillis == future)
        #expect(try await writer.append(.message("a", "earlier", at: 5)).timeMillis == future)
    }
}

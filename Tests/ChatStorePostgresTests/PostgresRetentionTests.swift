import ChatModel
import ChatStore
import ChatStorePostgres
import ChatTestSupport
import Foundation
import Testing

/// Retention on PostgreSQL (`PostgresPurge`): one node purges at a time, in batches, with
/// SQLite's record and rules; commits go on meanwhile and a catch-up gets what is left.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresRetentionTests {
    static let day: Int64 = 86_400_000
    static let week = RetentionPolicy(defaultMillis: 7 * day)

    @Test("two nodes: one purges while the other's pass is skipped and both go on committing; what is recent survives")
    func twoNodesPurgeOnce() async throws {
        let address = try await freshDatabase()
        let (first, alice) = try await node(address)
        let (second, bob) = try await node(address)
        let now = currentTimeMillis()
        let old = now - 10 * Self.day
        for index in 0..<300 {
            let writer = index.isMultiple(of: 2) ? alice : bob
            _ = try await writer.append(
                NewEvent(kind: .message, room: "main", user: "old\(index % 3)", text: "old \(index)", timeMillis: old))
        }
        let recent = try await alice.append(message("alice", "inside the window", room: "main"))
        _ = try await bob.append(message("bob", "newest", room: "dev"))
        let last = recent.id + 1

        // Node one purges, holding on after its first batch until the test lets it go on.
        let (inPurge, entered) = AsyncStream<Void>.makeStream()
        let (goOn, release) = AsyncStream<Void>.makeStream()
        let batches = Locked(0)
        let purging = Task {
            try await PostgresPurge(address: address, batchSize: 50).run(policy: Self.week, now: now) {
                if batches.withLock({ count in
                    count += 1
                    return count == 1
                }) {
                    entered.yield()
                    for await _ in goOn { break }
                }
                return true
            }
        }
        for await _ in inPurge { break }
        // Node two's pass meanwhile: skipped, the lock is held.
        #expect(try await PostgresPurge(address: address, batchSize: 50).run(policy: Self.week, now: now) == nil)
        // Both nodes commit during the purge.
        let during = try await bob.append(message("bob", "during the purge", room: "main"))
        _ = try await alice.append(message("alice", "also during", room: "main"))
        release.yield()
        let run = try #require(try await purging.value)

        #expect(run.events == 300)
        #expect(run.batches == 6)
        #expect(run.reports.count == 1)
        #expect(run.reports.first?.room == "main")
        #expect(run.reports.first?.firstID == 1)
        #expect(run.reports.first?.lastID == 300)
        // The lock went with the pass: the next one runs, and finds nothing more to purge.
        let again = try #require(
            try await PostgresPurge(address: address).run(policy: Self.week, now: now))
        #expect(again.events == 0)

        let reader = PostgresEventReader(address: address)
        let left = try await reader.events(after: 0, limit: 100)
        #expect(texts(left) == ["inside the window", "newest", "during the purge", "also during"])
        #expect(try await reader.lastEventID() == during.id + 1)
        // A catch-up from inside the purged range gets what is left of the room.
        #expect(try await reader.count(room: "main", after: 5, through: last) == 1)
        let resumed = try await reader.events(room: "main", after: 5, limit: 10)
        #expect(texts(resumed) == ["inside the window", "during the purge", "also during"])
        // Sessions keep their counts: each node's session lost 150 messages of three people.
        let sessions = try await reader.sessions()
        let (purged, messages, people) = (
            sessions.map { $0.purged }, sessions.map { $0.messages }, sessions.map { $0.participants }
        )
        #expect(purged == [150, 150])
        #expect(messages == [152, 152])
        #expect(people == [4, 4])
        let main = try await reader.roomCounts().filter { $0.room == "main" }.map { $0.messages }
        #expect(main == [152, 151])
        await reader.close()
        try await first.close()
        try await second.close()
    }

    @Test("two chat-server nodes with --retain 7d on one database: the old events are purged once, logged once")
    func twoServerNodes() async throws {
        let address = try await freshDatabase()
        let (store, writer) = try await node(address)
        let old = currentTimeMillis() - 10 * Self.day
        for index in 0..<100 {
            _ = try await writer.append(
                NewEvent(kind: .message, room: "main", user: "old", text: "old \(index)", timeMillis: old))
        }
        _ = try await writer.append(message("alice", "inside the window", room: "main"))
        try await store.close()

        let logs = TemporaryDirectory()
        defer { logs.remove() }
        let nodes = try ["a", "b"].map {
            try ServerProcess(database: "\(address)", arguments: ["--retain", "7d"], logNextTo: logs.file($0))
        }
        defer {
            for node in nodes where node.isRunning { node.kill9() }
        }
        let reader = PostgresEventReader(address: address)
        try await eventually("the purge") { try await reader.events(after: 0, limit: 10).count == 1 }
        let left = try await reader.events(after: 0, limit: 10)
        #expect(texts(left) == ["inside the window"])
        await reader.close()
        for node in nodes { #expect(try await node.stop() == 0) }
        let purges = nodes.map { $0.log.components(separatedBy: "retention: purged 100 events of #main").count - 1 }
        #expect(purges.reduce(0, +) == 1)
    }
}

import ChatModel
import Foundation
import Testing

@testable import ChatStore

/// Retention (issue #17): what a purge removes and keeps, what it records, and what it gives back.
@Suite("Retention")
struct RetentionTests {
    static let day: Int64 = 86_400_000
    static let start: Int64 = 1_700_000_000_000

    /// `days` after `start`.
    static func at(_ days: Double) -> Int64 { start + Int64(days * Double(day)) }

    /// Main and private messages keep 10 days, dev 2 days, archive forever.
    static let policy: RetentionPolicy = {
        var policy = RetentionPolicy(defaultMillis: 10 * day)
        _ = policy.addRoom("dev=2d")
        _ = policy.addRoom("#Archive=forever")
        return policy
    }()

    @Test("a purge removes exactly the events older than their room's limit, and records it")
    func purgesExactlyWhatIsOld() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        // In time order (the writer never records a time earlier than the last one).
        var ids: [String: Int64] = [:]
        func add(_ name: String, _ event: NewEvent) async throws { ids[name] = try await writer.append(event).id }
        try await add("archive", .message("ann", "kept forever", room: "archive", at: Self.at(0)))
        try await add("main-old", .message("ann", "20 days old", at: Self.at(0)))
        try await add(
            "private-old",
            NewEvent(
                kind: .message, room: Room.privateName, user: "ann", text: "psst", recipient: "bob",
                timeMillis: Self.at(1)))
        try await add(
            "topic-old", NewEvent(kind: .topic, user: "ann", text: "first", timeMillis: Self.at(1)))
        try await add(
            "topic-current", NewEvent(kind: .topic, user: "ann", text: "current", timeMillis: Self.at(2)))
        try await add("main-11d", .message("bob", "11 days old", at: Self.at(9)))
        try await add("main-10d", .message("bob", "exactly 10 days old", at: Self.at(10)))
        try await add("main-5d", .message("bob", "5 days old", at: Self.at(15)))
        try await add("dev-3d", .message("cat", "3 days old", room: "dev", at: Self.at(17)))
        try await add("dev-2d", .message("cat", "exactly 2 days old", room: "dev", at: Self.at(18)))
        try await add(
            "private-new",
            NewEvent(
                kind: .message, room: Room.privateName, user: "bob", text: "hi", recipient: "ann",
                timeMillis: Self.at(19)))
        try await add("dev-1d", .message("cat", "1 day old", room: "dev", at: Self.at(19)))

        // The clock starts where nothing is old enough, then moves on 15 days.
        let clock = Locked(Self.at(5))
        let runs = Runs()
        let purger = try Purger(
            writer: writer, policy: Self.policy, interval: 3600, batchSize: 2, clock: { clock.withLock { $0 } },
            onPurge: runs.add, onError: { Issue.record("purge failed: \($0)") })
        let first = try #require(runs.wait(for: 1))
        #expect(first.last?.events == 0)
        clock.withLock { $0 = Self.at(20) }
        purger.purgeNow()
        let run = try #require(runs.wait(for: 2)?.last)
        purger.stop()

        let purged = ["main-old", "private-old", "topic-old", "main-11d", "dev-3d"]
        #expect(run.events == purged.count)
        #expect(run.batches >= 3)  // two events per transaction
        #expect(run.longestBatchMillis > 0)
        let raw = try RawDatabase(directory.database)
        let left = try raw.rows("SELECT id FROM events ORDER BY id").compactMap { $0[0].flatMap { Int64($0) } }
        let kept = ids.filter { !purged.contains($0.key) }.values.sorted()
        #expect(left == kept)

        let records = try raw.rows(
            "SELECT by, room, cutoff_ms, events, first_id, last_id, time_ms FROM purges ORDER BY room")
        #expect(
            records == [
                [
                    "retention", "", "\(Self.at(10))", "1", "\(ids["private-old"]!)", "\(ids["private-old"]!)",
                    "\(Self.at(20))",
                ],
                [
                    "retention", "dev", "\(Self.at(18))", "1", "\(ids["dev-3d"]!)", "\(ids["dev-3d"]!)",
                    "\(Self.at(20))",
                ],
                [
                    "retention", "main", "\(Self.at(10))", "3", "\(ids["main-old"]!)", "\(ids["main-11d"]!)",
                    "\(Self.at(20))",
                ],
            ])
        #expect(Set(run.reports.map(\.room)) == ["", "dev", "main"])
        #expect(run.reports.first { $0.room == "main" }?.events == 3)

        let reader = try EventReader(path: directory.database)
        #expect(try reader.integrityCheck() == "ok")
        // The room keeps its topic; its history starts at the first kept event.
        #expect(try reader.topics().map(\.text) == ["current"])
        #expect(try reader.recent(limit: 10).map(\.text) == ["current", "exactly 10 days old", "5 days old"])
        try store.close()
    }

    @Test("a session whose events are all purged stays listed with its counts")
    func purgedSessionsKeepTheirCounts() async throws {
        let directory = try TemporaryDirectory()
        var (store, writer) = try openSession(directory.database)
        let old = writer.session
        _ = try await writer.append(NewEvent(kind: .join, user: "ann", connection: 1, timeMillis: Self.at(0)))
        _ = try await writer.append(.message("ann", "one", at: Self.at(0)))
        _ = try await writer.append(
            NewEvent(kind: .join, room: "dev", user: "bob", connection: 2, timeMillis: Self.at(0)))
        _ = try await writer.append(.message("bob", "two", room: "dev", at: Self.at(0)))
        _ = try await writer.append(
            NewEvent(kind: .leave, user: "ann", connection: 1, reason: .quit, timeMillis: Self.at(0)))
        try store.close()
        let before = try EventReader(path: directory.database)
        let listed = try #require(try before.sessions().first)
        let rooms = try before.roomCounts(session: old)

        (store, writer) = try openSession(directory.database)
        _ = try await writer.append(.message("cat", "recent", at: Self.at(20)))
        let purge = try RetentionPurge(database: Database(path: directory.database, readOnly: false), turn: writer.turn)
        let run = try purge.run(policy: Self.policy, now: Self.at(20))
        #expect(run.events == 5)

        let reader = try EventReader(path: directory.database)
        #expect(try reader.events(EventFilter(session: old)).isEmpty)
        var expected = listed
        expected.purged = 5
        expected.state = try #require(try reader.session(old)).state
        #expect(try reader.session(old) == expected)
        #expect(expected.messages == 2 && expected.joins == 2 && expected.leaves == 1 && expected.participants == 2)
        #expect(try reader.roomCounts(session: old) == rooms)
        #expect(try reader.session(writer.session)?.purged == 0)
        try store.close()
    }

    @Test("ids are never given twice: --after-id continues across a purge that took every old event")
    func idsSurviveAPurgeOfEverything() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        var old: [Event] = []
        for index in 0..<5 { old.append(try await writer.append(.message("ann", "old \(index)", at: Self.at(0)))) }
        let exportedUpTo = old[2].id  // an export before the purge stopped here
        let purge = try RetentionPurge(database: Database(path: directory.database, readOnly: false), turn: writer.turn)
        #expect(try purge.run(policy: Self.policy, now: Self.at(30)).events == 4)
        // Every event was old enough, but the newest is kept: it holds the ids' high-water mark.
        let reader = try EventReader(path: directory.database)
        #expect(try reader.events(EventFilter()).map(\.id) == [old[4].id])
        let new = try await writer.append(.message("bob", "new", at: Self.at(30)))
        #expect(new.id == old[4].id + 1)
        #expect(try reader.events(EventFilter(afterID: exportedUpTo)).map(\.id) == [old[4].id, new.id])
        #expect(try reader.events(EventFilter(afterID: old[4].id)).map(\.text) == ["new"])
        try store.close()
    }

    @Test("a new database vacuums incrementally: a purge gives its free pages back")
    func incrementalVacuumShrinksTheFile() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        let raw = try RawDatabase(directory.database)
        #expect(try raw.value("PRAGMA auto_vacuum") == "2")  // incremental
        let text = String(repeating: "x", count: 400)
        for index in 0..<3000 { writer.submit(.message("ann", "\(index) \(text)", at: Self.at(0))) }
        _ = try await writer.append(.message("bob", "recent", at: Self.at(20)))
        let pages = try #require(Int(try raw.value("PRAGMA page_count") ?? ""))

        // Stopped before its vacuum, a purge leaves the deleted pages in the file, free.
        let database = try Database(path: directory.database, readOnly: false)
        let purge = RetentionPurge(database: database, turn: writer.turn, batchSize: 500, vacuumPages: 64)
        var run = try purge.run(policy: Self.policy, now: Self.at(20)) { false }
        #expect(run.events == 500)
        let free = try #require(Int(try raw.value("PRAGMA freelist_count") ?? ""))
        #expect(free > 0)
        run = try purge.run(policy: Self.policy, now: Self.at(20))
        #expect(run.events == 2500)
        #expect(run.vacuumedPages >= free)
        #expect(run.longestVacuumMillis > 0)
        #expect(run.freePages == 0)
        #expect(try raw.value("PRAGMA freelist_count") == "0")
        let after = try #require(Int(try raw.value("PRAGMA page_count") ?? ""))
        #expect(after < pages / 4)
        #expect(try raw.value("PRAGMA integrity_check") == "ok")
        try store.close()  // the last checkpoint writes the shorter file
        let size = Checkpointer.fileSize(directory.database)
        #expect(size == Int64(after) * 4096)
        #expect(size < Int64(pages) * 4096 / 4)
    }

    @Test("durations and room overrides read as the options say")
    func policyParsing() throws {
        #expect(try RetentionPolicy.parseDuration("90d").get() == 90 * Self.day)
        #expect(try RetentionPolicy.parseDuration("12h").get() == 12 * 3_600_000)
        #expect(try RetentionPolicy.parseDuration("forever").get() == nil)
        #expect(throws: RetentionProblem.self) { try RetentionPolicy.parseDuration("soon").get() }
        var policy = RetentionPolicy(defaultMillis: 1000)
        #expect(throws: RetentionProblem.self) { try policy.addRoom("dev").get() }
        #expect(throws: RetentionProblem.self) { try policy.addRoom("bad room=1d").get() }
        try policy.addRoom("#Dev=off").get()
        #expect(policy.millis(forRoom: "dev") == nil)
        #expect(policy.millis(forRoom: "main") == 1000)
        #expect(policy.millis(forRoom: Room.privateName) == 1000)
        #expect(!RetentionPolicy().isActive)
        #expect(RetentionPolicy(roomMillis: ["dev": 5]).isActive)
    }
}

/// The purger's runs, waited for (bounded).
final class Runs: @unchecked Sendable {
    private let condition = NSCondition()
    private var runs: [PurgeRun] = []

    var add: @Sendable (PurgeRun) -> Void {
        { run in
            self.condition.lock()
            self.runs.append(run)
            self.condition.broadcast()
            self.condition.unlock()
        }
    }

    /// The runs so far once there are `count`; nil on time-out.
    func wait(for count: Int) -> [PurgeRun]? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: waitLimit)
        while runs.count < count { if !condition.wait(until: deadline) { break } }
        return runs.count >= count ? runs : nil
    }
}

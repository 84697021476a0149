import CSQLite
import ChatModel
import Foundation
import Testing

@testable import ChatStore

/// The writer and the purger taking turns, and a purge on a file made before incremental vacuum.
@Suite("Retention: turns and older files")
struct RetentionTurnTests {
    @Test("a commit waiting during a purge batch goes before the purger's next batch")
    func theWriterGoesFirst() throws {
        let turn = WriteTurn()
        let order = Locked<[String]>([])
        let gate = Locked((inside: false, open: false))
        startThread(name: "test-purger-1") {
            turn.asBackground {
                gate.withLock { $0.inside = true }
                gate.broadcast()
                gate.withLock(when: \.open, before: Date(timeIntervalSinceNow: waitLimit)) { _ in }
                order.withLock { $0.append("batch 1") }
            }
        }
        gate.withLock(when: \.inside, before: Date(timeIntervalSinceNow: waitLimit)) { _ in }
        startThread(name: "test-writer") { turn.asWriter { order.withLock { $0.append("commit") } } }
        let deadline = Date(timeIntervalSinceNow: waitLimit)
        while turn.writersWaiting == 0 && Date() < deadline { sched_yield() }
        #expect(turn.writersWaiting == 1)
        let done = Locked(Flag())
        startThread(name: "test-purger-2") {
            turn.asBackground { order.withLock { $0.append("batch 2") } }
            done.withLock { $0.isSet = true }
            done.broadcast()
        }
        gate.withLock { $0.open = true }
        gate.broadcast()
        #expect(done.withLock(when: \.isSet, before: Date(timeIntervalSinceNow: waitLimit)) { $0.isSet })
        #expect(order.withLock { $0 } == ["batch 1", "commit", "batch 2"])
    }

    @Test("a file made without incremental vacuum is purged all the same and keeps its free pages")
    func olderFilesKeepTheirFreePages() async throws {
        let directory = try TemporaryDirectory()
        try EventStore(path: directory.database).close()
        // As a file made before this chatroom set auto_vacuum.
        try RawDatabase(directory.database).execute("PRAGMA auto_vacuum = NONE; VACUUM;")
        let raw = try RawDatabase(directory.database)
        let (store, writer) = try openSession(directory.database)
        #expect(try raw.value("PRAGMA auto_vacuum") == "0")
        for index in 0..<1000 {
            writer.submit(.message("ann", "\(index) " + String(repeating: "x", count: 300), at: 1))
        }
        _ = try await writer.append(.message("bob", "recent", at: 86_400_000 * 30))
        let purge = try RetentionPurge(database: Database(path: directory.database, readOnly: false), turn: writer.turn)
        let run = try purge.run(policy: RetentionPolicy(defaultMillis: 86_400_000), now: 86_400_000 * 30)
        #expect(run.events == 1000)
        #expect(run.vacuumedPages == 0)
        #expect(run.freePages > 0)
        #expect(try raw.value("PRAGMA freelist_count") == "\(run.freePages)")
        #expect(try raw.value("PRAGMA integrity_check") == "ok")
        try store.close()
    }

    @Test("a purge deletes row by row: AFTER DELETE triggers on events (search entries) fire for each")
    func triggersFireForEveryPurgedEvent() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        let raw = try RawDatabase(directory.database)
        try raw.execute(
            """
            CREATE TABLE gone (id INTEGER);
            CREATE TRIGGER events_gone AFTER DELETE ON events BEGIN INSERT INTO gone VALUES (old.id); END;
            """)
        var old: [Int64] = []
        for index in 0..<7 { old.append(try await writer.append(.message("ann", "old \(index)", at: 1)).id) }
        _ = try await writer.append(.message("bob", "recent", at: 86_400_000 * 30))
        let purge = try RetentionPurge(
            database: Database(path: directory.database, readOnly: false), turn: writer.turn, batchSize: 3)
        #expect(try purge.run(policy: RetentionPolicy(defaultMillis: 86_400_000), now: 86_400_000 * 30).events == 7)
        #expect(try raw.rows("SELECT id FROM gone ORDER BY id").map { $0[0] } == old.map { "\($0)" })
        try store.close()
    }
}

/// A flag a thread sets and another waits for.
private struct Flag {
    var isSet = false
}

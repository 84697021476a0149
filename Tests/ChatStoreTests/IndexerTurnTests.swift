import ChatModel
import Foundation
import Testing

@testable import ChatStore

/// The search indexer writes on a connection of its own, and takes its turn like the purger: a
/// catch-up of many batches never holds the writer off (it used to, past SQLite's busy timeout).
@Suite("Search indexer: its turn")
struct IndexerTurnTests {
    @Test("while the writer holds its turn no index batch starts; released, the catch-up finishes")
    func theIndexerWaitsForTheWriter() async throws {
        let directory = try TemporaryDirectory()
        let unindexed = try EventStore(path: directory.database, searchIndexing: false)
        let filler = try unindexed.startSession(host: "127.0.0.1", port: 7000, version: "test") { _ in }
        for index in 0..<30_000 { filler.submit(NewEvent(kind: .message, user: "u", text: "word \(index)")) }
        _ = try await filler.append(NewEvent(kind: .message, user: "u", text: "last"))
        try unindexed.close()

        // A session with the indexer: it starts catching up at once, 2000 events a batch.
        let store = try EventStore(path: directory.database)
        defer { try? store.close() }
        let writer = try store.startSession(host: "127.0.0.1", port: 7000, version: "test") { _ in }
        let gate = Locked((inside: false, open: false))
        startThread(name: "test-writer-turn") {
            writer.turn.asWriter {
                gate.withLock { $0.inside = true }
                gate.broadcast()
                gate.withLock(when: \.open, before: Date(timeIntervalSinceNow: waitLimit)) { _ in }
            }
        }
        gate.withLock(when: \.inside, before: Date(timeIntervalSinceNow: waitLimit)) { _ in }
        let reader = try EventReader(path: directory.database)
        let lagInside = try reader.searchIndexLag()
        // Half a second holding the turn: the indexer, far behind, would take several batches in it.
        gate.withLock(when: \.open, before: Date(timeIntervalSinceNow: 0.5)) { _ in }
        let lagLater = try reader.searchIndexLag()
        gate.withLock { $0.open = true }
        gate.broadcast()
        #expect(lagInside > 0, "the catch-up was over before the writer took its turn: make the file bigger")
        #expect(lagLater == lagInside, "an index batch ran during the writer's turn")
        #expect(try store.waitForSearchIndex(timeout: waitLimit))
        #expect(try reader.searchIndexLag() == 0)
    }
}

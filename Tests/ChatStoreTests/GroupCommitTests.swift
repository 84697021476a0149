import ChatModel
import Foundation
import Testing

@testable import ChatStore

@Suite("Group commit")
struct GroupCommitTests {
    @Test func concurrentAppendsAreAllCommittedInOrder() async throws {
        let directory = try TemporaryDirectory()
        let batches = Batches()
        let (store, writer) = try openSession(directory.database, batches: batches)
        let tasks = 50
        let perTask = 200

        let perTaskEvents = try await withThrowingTaskGroup(of: (Int, [Event]).self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var mine: [Event] = []
                    for index in 0..<perTask {
                        mine.append(try await writer.append(.message("user\(task)", "\(index)")))
                    }
                    return (task, mine)
                }
            }
            var result: [Int: [Event]] = [:]
            for try await (task, events) in group { result[task] = events }
            return result
        }
        let statistics = writer.committed
        try store.close()

        // Each task's events were committed in its own submission order.
        #expect(perTaskEvents.count == tasks)
        for (task, events) in perTaskEvents {
            #expect(events.map(\.text) == (0..<perTask).map { "\($0)" })
            #expect(events.allSatisfy { $0.user == "user\(task)" })
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.id < $1.id })
        }
        // Ids 1...N, no holes, no duplicates.
        let total = tasks * perTask
        let appended = perTaskEvents.values.flatMap { $0 }.sorted { $0.id < $1.id }
        #expect(appended.map(\.id) == Array(1...Int64(total)))

        // onCommit saw every event exactly once, batches in id order, and batching happened.
        let committed = batches.all
        #expect(committed.flatMap { $0 } == appended)
        #expect(committed.allSatisfy { !$0.isEmpty })
        #expect(committed.count < total)
        #expect(statistics.batches == committed.count)
        #expect(statistics.events == total)

        // What the database holds is what the appends returned.
        let reader = try EventReader(path: directory.database)
        #expect(try reader.events(EventFilter()) == appended)
        // Times never go backwards in id order.
        #expect(zip(appended, appended.dropFirst()).allSatisfy { $0.timeMillis <= $1.timeMillis })
    }

    @Test func eventsQueuedWhileTheWriterIsBusyShareOneTransaction() throws {
        let directory = try TemporaryDirectory()
        let batches = Batches()
        let (store, writer) = try openSession(directory.database, batches: batches)
        defer { try? store.close() }
        let outcomes = Outcomes()
        batches.gate.close()
        writer.submit(.message("alice", "first"), completion: outcomes.completion)
        #expect(batches.gate.waitForArrivals(1))
        for index in 0..<100 { writer.submit(.message("bob", "\(index)"), completion: outcomes.completion) }
        batches.gate.open()
        let results = try #require(outcomes.wait(for: 101)).map { try $0.get() }
        #expect(results.map(\.id) == Array(1...101))
        #expect(batches.all.map(\.count) == [1, 100])
        #expect(writer.committed == (batches: 2, events: 101))
    }

    @Test func batchesNeverExceedMaxBatch() throws {
        let directory = try TemporaryDirectory()
        let batches = Batches()
        let store = try EventStore(path: directory.database)
        defer { try? store.close() }
        let writer = try store.startSession(host: "h", port: 1, version: "v", maxBatch: 7) { batches.record($0) }
        let outcomes = Outcomes()
        batches.gate.close()
        writer.submit(.message("alice", "first"), completion: outcomes.completion)
        #expect(batches.gate.waitForArrivals(1))
        for index in 0..<20 { writer.submit(.message("bob", "\(index)"), completion: outcomes.completion) }
        batches.gate.open()
        #expect(try #require(outcomes.wait(for: 21)).map { try $0.get().id } == Array(1...21))
        #expect(batches.all.map(\.count) == [1, 7, 7, 6])
    }
}

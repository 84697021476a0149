import ChatModel
import ChatStore
import ChatStorePostgres
import Testing

@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresWriterTests {
    @Test("events commit in submission order, each completion told after its commit, onCommit in id order")
    func appendOrderAndCompletions() async throws {
        let address = try await freshDatabase()
        let batches = Locked<[[Event]]>([])
        let completed = Locked<[Event]>([])
        let (store, writer) = try await node(address) { batch in batches.withLock { $0.append(batch) } }
        for index in 0..<200 {
            writer.submit(message("alice", "m\(index)")) { result in
                if case .success(let event) = result { completed.withLock { $0.append(event) } }
            }
        }
        let last = try await writer.append(message("bob", "last"))
        let told = completed.withLock { $0 }
        let committed = batches.withLock { $0 }.flatMap { $0 }
        #expect(last.id == 201)
        #expect(ids(told) == idRange(1...200))
        let submitted = (0..<200).map { "m\($0)" }
        #expect(texts(told) == submitted)
        #expect(ids(committed) == idRange(1...201))
        let times = committed.map(\.timeMillis)
        #expect(times == times.sorted())
        #expect(writer.committed.events == 201)
        #expect(writer.committed.batches < 201)  // grouped while the first one committed

        let reader = store.reader()
        let stored = try await reader.events(after: 0, limit: 1000)
        #expect(stored == committed)
        await reader.close()
        try await store.close()
        let afterClose = await Self.outcome(of: writer, message("carol", "late"))
        #expect(afterClose == .closed)
    }

    @Test("two nodes writing at once: ids are 1…N with no gap, and become visible in order (no reader ever skips one)")
    func twoNodesIdsVisibleInOrder() async throws {
        let address = try await freshDatabase()
        let (storeA, writerA) = try await node(address)
        let (storeB, writerB) = try await node(address)
        let (tasksPerNode, eachTask) = (4, 60)
        let total = 2 * tasksPerNode * eachTask
        let reader = storeA.reader()
        async let observed = Self.readTail(reader, until: total)
        let appended = try await withThrowingTaskGroup(of: [Event].self) { group in
            for (writer, name) in [(writerA, "a"), (writerB, "b")] {
                for task in 0..<tasksPerNode {
                    group.addTask {
                        var events: [Event] = []
                        for index in 0..<eachTask {
                            events.append(try await writer.append(message("\(name)\(task)", "\(index)")))
                        }
                        return events
                    }
                }
            }
            var all: [[Event]] = []
            for try await events in group { all.append(events) }
            return all
        }
        let (seen, gaps) = try await observed
        #expect(gaps.isEmpty, "a reader saw ids out of order: \(gaps)")
        #expect(ids(seen) == idRange(1...Int64(total)))
        for events in appended {
            #expect(ids(events) == ids(events).sorted())  // each sender's order kept
        }
        let sessions = Set(seen.map(\.session))
        #expect(sessions.count == 2)
        await reader.close()
        try await storeA.close()
        try await storeB.close()
    }

    /// Reads after its cursor in a loop while writers commit; every page must start right after
    /// the cursor and be contiguous, else it records a gap.
    private static func readTail(_ reader: PostgresEventReader, until total: Int) async throws -> ([Event], [String]) {
        var (seen, gaps, cursor) = ([Event](), [String](), Int64(0))
        let deadline = ContinuousClock.now + .seconds(60)
        while seen.count < total && ContinuousClock.now < deadline {
            let page = try await reader.events(after: cursor, limit: 1000)
            for event in page {
                if event.id != cursor + 1 { gaps.append("after \(cursor) came \(event.id)") }
                cursor = event.id
            }
            seen += page
            if page.isEmpty { await Task.yield() }
        }
        return (seen, gaps)
    }

    static func outcome(of writer: PostgresEventWriter, _ event: NewEvent) async -> StoreError.Kind? {
        do {
            _ = try await writer.append(event)
            return nil
        } catch {
            return error.kind
        }
    }
}

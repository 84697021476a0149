import ChatModel
import ChatStore
import ChatStorePostgres
import Testing

@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresFollowerTests {
    @Test(
        "a follower on one node hands on another node's events in order, once, across pg_terminate_backend of its listener"
    )
    func followerSurvivesTerminatedListener() async throws {
        let cluster = try #require(PostgresCluster.current)
        let address = try await cluster.makeDatabase()
        let (writingNode, writer) = try await node(address)
        let followingNode = try await PostgresEventStore(address: address)
        for index in 0..<10 { _ = try await writer.append(message("alice", "before \(index)")) }

        // A timer far longer than the test: what arrives comes from NOTIFY and the reconnect's catch-up.
        let delivered = Delivered()
        let follower = followingNode.follower(after: 5, interval: .seconds(600)) { delivered.append($0) }
        follower.start()
        #expect(ids(await delivered.wait(for: 5)) == [6, 7, 8, 9, 10])  // the catch-up on connect

        for index in 0..<40 { writer.submit(message("alice", "live \(index)")) }
        _ = try await writer.append(message("alice", "live end"))
        #expect(await delivered.wait(for: 46).count == 46)

        let terminated = try await cluster.terminate(role: "follower", in: address.database)
        #expect(terminated == 1)
        // Committed while the listener is gone or coming back: its NOTIFY may be lost, the cursor is not.
        for index in 0..<50 { _ = try await writer.append(message("bob", "after kill \(index)")) }
        let all = await delivered.wait(for: 96)
        #expect(ids(all) == idRange(6...101))
        #expect(follower.connections >= 2)

        await follower.stop()
        #expect(follower.cursor == 101)  // moved after each hand-on: read once the task has ended
        try await writingNode.close()
        try await followingNode.close()
    }

    @Test("with no notification at all (none sent), the timer's catch-up finds what was committed")
    func followerTimerCatchesUp() async throws {
        let address = try await freshDatabase()
        let (store, writer) = try await node(address)
        let delivered = Delivered()
        let follower = store.follower(after: 0, interval: .milliseconds(200)) { delivered.append($0) }
        follower.start()
        _ = try await writer.append(message("alice", "hello"))
        #expect(texts(await delivered.wait(for: 1)) == ["hello"])
        await follower.stop()
        try await store.close()
    }
}

import ChatModel
import ChatStore
import ChatStorePostgres
import Testing

/// Stops and starts its cluster: a suite of its own, so no other test sees the server down.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresPresenceOutageTests {
    @Test(
        "while the database is down a node's heartbeats fail and it is out of touch after deadAfter; then alive again")
    func outOfTouchWhileDatabaseIsDown() async throws {
        let cluster = try #require(PostgresCluster.current)
        let address = try await cluster.makeDatabase()
        let node = try await PresenceNode.start(address, heartbeat: .milliseconds(100), deadAfter: .milliseconds(500))
        try await node.admit(1, as: "alice", rooms: ["main"])
        #expect(!node.presence.isOutOfTouch)

        try cluster.stopServer()
        var failure: StoreError?
        do {
            _ = try await node.presence.heartbeat()
        } catch {
            failure = error
        }
        #expect(failure?.kind == .unavailable)
        var outOfTouch = node.presence.isOutOfTouch
        let deadline = ContinuousClock.now + .seconds(20)
        while !outOfTouch && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))  // polling a time bound, with a deadline
            outOfTouch = node.presence.isOutOfTouch
        }
        #expect(outOfTouch)

        try cluster.startServer()
        // No survivor was there to reap it: its session is still running, and its names its own.
        var liveness: PostgresPresence.Liveness?
        while liveness == nil && ContinuousClock.now < deadline + .seconds(20) {
            liveness = try? await node.presence.heartbeat()  // the first may find its connection gone
        }
        #expect(liveness == .alive)
        #expect(!node.presence.isOutOfTouch)
        #expect(try await node.presence.holder(of: "alice")?.session == node.session)
        try await node.close()
    }
}

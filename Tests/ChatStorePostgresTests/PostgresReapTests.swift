import ChatModel
import ChatStore
import ChatStorePostgres
import Testing

/// Node liveness: survivors reap a node that stopped heartbeating, once, within the bound.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresReapTests {
    @Test(
        "a node that stops heartbeating: one of two survivors records its members' leaves once, in order, within the bound"
    )
    func deadNodeReapedOnce() async throws {
        let address = try await freshDatabase()
        let (heartbeat, deadAfter) = (Duration.milliseconds(200), Duration.seconds(2))
        let reapedFlag = Flag()
        let dying = try await PresenceNode.start(
            address, heartbeat: heartbeat, deadAfter: deadAfter, onReaped: { reapedFlag.raise() })
        let survivorB = try await PresenceNode.start(address, heartbeat: heartbeat, deadAfter: deadAfter)
        let survivorC = try await PresenceNode.start(address, heartbeat: heartbeat, deadAfter: deadAfter)
        try await dying.admit(1, as: "alice", rooms: ["main", "dev"])
        try await dying.admit(2, as: "carol", rooms: ["main"])
        try await survivorB.admit(1, as: "bob", rooms: ["dev"])
        _ = try await dying.writer.append(message("alice", "last words"))  // id 1

        let delivered = Delivered()
        let follower = survivorC.store.follower(after: 0, interval: .seconds(600)) { delivered.append($0) }
        follower.start()
        #expect(await delivered.wait(for: 1).count == 1)

        let died = ContinuousClock.now
        await dying.presence.stop()  // as killed: no more heartbeats, its names left behind
        let events = await delivered.wait(for: 4, timeout: deadAfter + heartbeat + .seconds(20))
        let took = ContinuousClock.now - died
        let leaves = lostLeaves(events)
        #expect(users(leaves) == ["alice", "alice", "carol"])
        #expect(rooms(leaves) == ["main", "dev", "main"])
        #expect(ids(leaves) == [2, 3, 4])
        #expect(sessions(leaves) == [dying.session, dying.session, dying.session])
        #expect(connections(leaves) == [1, 1, 2])
        // The bound: deadAfter after its last heartbeat, plus one reap interval; slack for the
        // reap's transaction on a busy machine.
        #expect(took < deadAfter + heartbeat + .seconds(3), "the leaves took \(took)")

        // Once: the session is no longer running, so no reap takes it again.
        #expect(try await survivorB.presence.reap().sessions.isEmpty)
        #expect(try await survivorC.presence.reap().sessions.isEmpty)
        let reapers = survivorB.presence.reaped.sessions + survivorC.presence.reaped.sessions
        #expect(reapers == [dying.session])
        let marker = try await survivorB.writer.append(message("bob", "after the reap"))
        let all = await delivered.wait(for: 5)
        #expect(lostLeaves(all).count == 3)
        #expect(all.last?.id == marker.id)

        #expect(try await survivorB.presence.holder(of: "alice") == nil)
        #expect(names(try await survivorC.presence.members(of: "dev")) == ["bob"])
        #expect(try await survivorC.presence.members(of: "main").isEmpty)
        let reader = survivorB.store.reader()
        #expect(try await reader.session(dying.session)?.state == .unclean)

        // The dead node was only cut off: its next heartbeat learns it was reaped.
        #expect(try await dying.presence.heartbeat() == .reaped)
        #expect(dying.presence.isReaped)
        #expect(reapedFlag.count == 1)
        var refusal: StoreError?
        do {
            _ = try await dying.presence.claim(3, as: "dave")
        } catch {
            refusal = error
        }
        #expect(refusal?.kind == .closed)
        try await dying.close()  // frees nothing (its names are gone), closes its connections
        #expect(try await reader.session(dying.session)?.state == .unclean)  // not made clean by its close

        await follower.stop()
        await reader.close()
        try await survivorB.close()
        try await survivorC.close()
    }

    @Test("two survivors reaping six dead nodes at once: each is reaped by exactly one, every leave recorded once")
    func concurrentReapsTakeEachNodeOnce() async throws {
        let address = try await freshDatabase()
        var dead: [PresenceNode] = []
        for _ in 0..<6 {
            let node = try await PresenceNode.start(address)
            try await node.admit(1, as: "a\(node.session)", rooms: ["main", "dev"])
            try await node.admit(2, as: "b\(node.session)", rooms: ["dev", "ops"])
            await node.presence.stop()
            dead.append(node)
        }
        let (storeB, writerB) = try await node(address)
        let (storeC, writerC) = try await node(address)
        // Survivors without loops: only the reaps below run, two at a time.
        // A second for each call (and its lock_timeout), so a busy machine does not fail a reap.
        let reaperB = storeB.presence(session: writerB.session, heartbeat: .seconds(1), deadAfter: .seconds(2))
        let reaperC = storeC.presence(session: writerC.session, heartbeat: .seconds(1), deadAfter: .seconds(2))

        try await Task.sleep(for: .milliseconds(2100))  // all six dead (2 s): the first round races for all
        var (byB, byC, leaves) = ([Int64](), [Int64](), [Event]())
        let deadline = ContinuousClock.now + .seconds(30)
        while byB.count + byC.count < dead.count && ContinuousClock.now < deadline {
            async let reapB = reapOrNil(reaperB)
            async let reapC = reapOrNil(reaperC)
            let (b, c) = try await (reapB, reapC)
            byB += b?.sessions ?? []
            byC += c?.sessions ?? []
            leaves += (b?.leaves ?? []) + (c?.leaves ?? [])
            try await Task.sleep(for: .milliseconds(20))  // polling a time bound, with a deadline
        }
        #expect(Set(byB).isDisjoint(with: byC))
        let deadSessions = dead.map(\.session)
        #expect((byB + byC).sorted() == deadSessions)
        #expect(leaves.count == 6 * 4)

        let reader = storeB.reader()
        let recorded = lostLeaves(try await reader.events(after: 0, limit: 1000))
        #expect(recorded.count == 6 * 4)
        let distinct = Set(recorded.map { "\($0.session)/\($0.connection ?? 0)/\($0.room)" })
        #expect(distinct.count == 6 * 4)
        #expect(ids(recorded) == ids(recorded).sorted())
        #expect(try await reaperB.everyone().isEmpty)
        for node in dead { try await node.close() }
        await reader.close()
        try await reaperB.close()
        try await reaperC.close()
        try await storeB.close()
        try await storeC.close()
    }

    @Test("a live node reaped while it could not heartbeat learns it from its loop (onReaped), and can claim no more")
    func reapedNodeLearnsFromItsLoop() async throws {
        let address = try await freshDatabase()
        let reapedFlag = Flag()
        // Heartbeats every second: long enough for an impatient survivor to reap it in between.
        let slow = try await PresenceNode.start(address, heartbeat: .seconds(1), onReaped: { reapedFlag.raise() })
        try await slow.admit(1, as: "dave", rooms: ["main"])
        let (store, writer) = try await node(address)
        let impatient = store.presence(
            session: writer.session, heartbeat: .milliseconds(50), deadAfter: .milliseconds(100))

        var reaping = try await reapOrNil(impatient)
        let deadline = ContinuousClock.now + .seconds(30)
        while reaping?.sessions.isEmpty != false && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))  // polling a time bound, with a deadline
            reaping = try await reapOrNil(impatient)
        }
        #expect(reaping?.sessions == [slow.session])
        #expect(users(reaping?.leaves ?? []) == ["dave"])

        #expect(await reapedFlag.wait(timeout: .seconds(20)))
        #expect(slow.presence.isReaped)
        var refusal: StoreError?
        do {
            _ = try await slow.presence.rename(1, to: "david")
        } catch {
            refusal = error
        }
        #expect(refusal?.kind == .closed)
        try await slow.close()
        try await impatient.close()
        try await store.close()
    }
}

/// A reap, or nil when it gave up waiting on a lock (`lock_timeout`: the loop tries again at its
/// next tick; a test with short intervals on a busy machine sees it).
func reapOrNil(_ presence: PostgresPresence) async throws -> PostgresPresence.Reaping? {
    do {
        return try await presence.reap()
    } catch  where error.kind == .postgres(sqlState: "55P03") {
        return nil
    }
}

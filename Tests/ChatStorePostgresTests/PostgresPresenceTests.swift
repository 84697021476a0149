import ChatModel
import ChatStore
import ChatStorePostgres
import Testing

/// Names and rooms across nodes: claims, renames and member lists.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresPresenceTests {
    @Test("two nodes claiming one name at once (lookalikes too): exactly one wins, every time")
    func claimRace() async throws {
        let address = try await freshDatabase()
        let nodeA = try await PresenceNode.start(address)
        let nodeB = try await PresenceNode.start(address)
        for round in 0..<50 {
            let connection = Int64(round)
            async let first = nodeA.presence.claim(connection, as: "Name\(round)")
            async let second = nodeB.presence.claim(connection, as: "name\(round)")  // the same skeleton
            let outcomes = try await [first, second]
            #expect(grantedCount(outcomes) == 1, "round \(round): \(outcomes)")
            let holder = try #require(try await nodeB.presence.holder(of: "NAME\(round)"))
            let winner = outcomes[0] == .granted ? nodeA.session : nodeB.session
            #expect(holder.session == winner)
            #expect(holder.connection == connection)
            let loserSaw = outcomes[0] == .granted ? outcomes[1] : outcomes[0]
            #expect(loserSaw == .taken(by: holder))
        }
        #expect(try await nodeA.presence.everyone().count == 50)
        try await nodeA.close()
        try await nodeB.close()
    }

    @Test("three nodes, four connections each, all claiming one name at once: exactly one of twelve wins, every time")
    func claimRaceTwelveWays() async throws {
        let address = try await freshDatabase()
        var nodes: [PresenceNode] = []
        for _ in 0..<3 { nodes.append(try await PresenceNode.start(address)) }
        for round in 0..<20 {
            let claims = try await withThrowingTaskGroup(of: PostgresPresence.Claim.self) { group in
                for node in nodes {
                    for contender in 0..<4 {
                        let connection = Int64(round * 4 + contender)
                        group.addTask { try await node.presence.claim(connection, as: "Same\(round)") }
                    }
                }
                var claims: [PostgresPresence.Claim] = []
                for try await claim in group { claims.append(claim) }
                return claims
            }
            #expect(grantedCount(claims) == 1, "round \(round): \(claims)")
        }
        #expect(try await nodes[0].presence.everyone().count == 20)
        for node in nodes { try await node.close() }
    }

    @Test("two renames, or a rename and a claim, to one name at once: exactly one wins; the loser keeps its name")
    func renameRace() async throws {
        let address = try await freshDatabase()
        let nodeA = try await PresenceNode.start(address)
        let nodeB = try await PresenceNode.start(address)
        var present = 0
        for round in 0..<30 {
            let connection = Int64(round)
            try await nodeA.admit(connection, as: "ann\(round)")
            try await nodeB.admit(connection, as: "bob\(round)")
            async let first = nodeA.presence.rename(connection, to: "zed\(round)")
            async let second = nodeB.presence.rename(connection, to: "Zed\(round)")
            let outcomes = try await [first, second]
            #expect(grantedCount(outcomes) == 1, "round \(round): \(outcomes)")
            let loser = outcomes[0] == .granted ? nodeB : nodeA
            let kept = outcomes[0] == .granted ? "bob\(round)" : "ann\(round)"
            #expect(try await loser.presence.holder(of: kept)?.session == loser.session)

            // The loser renames to a third name while a newcomer on the winner's node claims it.
            let winner = outcomes[0] == .granted ? nodeA : nodeB
            async let rename = loser.presence.rename(connection, to: "yan\(round)")
            async let claim = winner.presence.claim(1000 + connection, as: "YAN\(round)")
            let raced = try await [rename, claim]
            #expect(grantedCount(raced) == 1, "round \(round): \(raced)")
            present += raced[1] == .granted ? 3 : 2
        }
        #expect(try await nodeA.presence.everyone().count == present)
        try await nodeA.close()
        try await nodeB.close()
    }

    @Test("a room's members on every node, with their node; renames, leaves and released names show on the others")
    func roomMembersAcrossNodes() async throws {
        let address = try await freshDatabase()
        let nodeA = try await PresenceNode.start(address)
        let nodeB = try await PresenceNode.start(address)
        try await nodeA.admit(1, as: "alice", rooms: ["Dev"])
        try await nodeB.admit(1, as: "bob", rooms: ["main", "dev"])
        try await nodeB.admit(2, as: "carol", rooms: ["main"])

        let dev = try await nodeB.presence.members(of: "DEV")
        #expect(names(dev) == ["alice", "bob"])
        #expect(sessionsOf(dev) == [nodeA.session, nodeB.session])
        #expect(try await nodeA.presence.members(of: "dev") == dev)
        #expect(names(try await nodeA.presence.members(of: "main")) == ["bob", "carol"])
        #expect(try await nodeB.presence.rooms(of: 1) == ["main", "dev"])
        #expect(try await nodeB.presence.enter(1, room: "Main") == false)  // in it already

        #expect(try await nodeB.presence.rename(1, to: "Bobby") == .granted)
        #expect(names(try await nodeA.presence.members(of: "dev")) == ["alice", "Bobby"])
        #expect(try await nodeA.presence.holder(of: "BOBBY")?.session == nodeB.session)
        #expect(try await nodeA.presence.rename(1, to: "ALICE") == .granted)  // its own name, another case

        #expect(try await nodeB.presence.leave(1, room: "dev"))
        #expect(try await nodeB.presence.leave(1, room: "dev") == false)
        #expect(names(try await nodeA.presence.members(of: "dev")) == ["ALICE"])
        #expect(try await nodeA.presence.release(1))
        #expect(try await nodeA.presence.members(of: "dev").isEmpty)
        #expect(try await nodeB.presence.holder(of: "alice") == nil)
        #expect(try await nodeB.presence.release(1))
        #expect(names(try await nodeA.presence.members(of: "main")) == ["carol"])

        var refusal: StoreError?
        do {
            try await nodeA.presence.enter(9, room: "dev")  // holds no name
        } catch {
            refusal = error
        }
        #expect(refusal?.kind == .notFound)
        do {
            _ = try await nodeB.presence.claim(2, as: "dora")  // carol's connection: one name each
        } catch {
            refusal = error
        }
        #expect(refusal?.kind == .invalidArgument)
        try await nodeA.close()
        #expect(try await nodeB.presence.holder(of: "carol")?.session == nodeB.session)
        try await nodeB.close()
    }
}

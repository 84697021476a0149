import ChatModel
import ChatServer
import ChatStore
import ChatStorePostgres
import ChatTestSupport
import Foundation
import Testing

/// Membership across nodes through real servers: a name is held on one node at most, and a killed
/// node's members leave (connection lost) on the other node within the bound.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct ClusterMembershipTests {
    @Test("one name asked for at once on two nodes: they end with different names, one with the name asked for")
    func sameNameAtOnce() async throws {
        let address = try await freshDatabase()
        let (a, b) = (try await startNode(address), try await startNode(address))
        try await withNodes([a, b]) {
            for round in 0..<5 {
                let asked = "sam\(round)"
                async let onA = plainName(port: a.port, asking: asked)
                async let onB = plainName(port: b.port, asking: asked)
                let (first, second) = try await (onA, onB)
                #expect(first.name != second.name)
                #expect([first.name, second.name].contains(asked))
                #expect([first.name, second.name].contains(asked + "2"))
                await first.client.close()
                await second.client.close()
            }
            // Held on one node: the other numbers past it.
            let kim = try await TestClient.join(port: a.port, as: "kim")
            #expect(try await plainName(port: b.port, asking: "KIM").name == "KIM2")
            await kim.close()
        }
    }

    @Test("a private message to a name held on the other node reaches it; to nobody, it is refused")
    func privateMessageAcrossNodes() async throws {
        let address = try await freshDatabase()
        let (a, b) = (try await ircNode(address), try await ircNode(address))
        try await withNodes([a, b]) {
            let alice = try await TestClient.join(port: a.port, as: "alice")
            let bob = try await TestClient.join(port: b.port, as: "bob")
            let carol = try await IRCTestClient.register(port: try #require(b.server.ircPort), as: "carol")
            try await bob.send("/msg ALICE the key is under the mat")
            try await bob.expect { $0 == "bob to alice (private): the key is under the mat" }
            try await alice.expect { $0 == "bob to alice (private): the key is under the mat" }
            try await carol.send("PRIVMSG alice :from IRC")
            try await alice.expect { $0 == "carol to alice (private): from IRC" }
            try await bob.send("/who")
            try await bob.expect { $0 == "In the room (2): alice, bob" }
            try await bob.send("/msg dave hello?")
            try await bob.expect { $0 == "error: nobody called dave is here; the message was not sent." }
            try await carol.send("PRIVMSG dave :hello?")
            try await carol.expect { $0.command == "401" }
            await carol.close()
        }
    }

    @Test(
        "IRC: one nick asked for at once on two nodes: one is welcomed, the other told 433; a NICK to a nick held on the other node is 433"
    )
    func ircNickAtOnce() async throws {
        let address = try await freshDatabase()
        let (a, b) = (try await ircNode(address), try await ircNode(address))
        try await withNodes([a, b]) {
            let (portA, portB) = (try #require(a.server.ircPort), try #require(b.server.ircPort))
            for round in 0..<5 {
                let nick = "nick\(round)"
                async let onA = ircAnswer(port: portA, nick: nick)
                async let onB = ircAnswer(port: portB, nick: nick)
                let (first, second) = try await (onA, onB)
                #expect([first.command, second.command].filter { $0 == "433" }.count == 1)
                await first.client.close()
                await second.client.close()
            }
            let kim = try await IRCTestClient.register(port: portA, as: "kim")
            let lee = try await IRCTestClient.register(port: portB, as: "lee")
            try await lee.send("NICK Kim")
            try await lee.expect { $0.command == "433" }
            try await lee.send("NICK lee2")
            try await lee.expect { $0.command == "NICK" && $0.parameters.last == "lee2" }
            await kim.close()
            await lee.close()
        }
    }

    @Test(
        "a chat-server killed with kill -9: its members' leaves (connection lost) reach the other node's clients within the bound, and their names are free"
    )
    func killedNodeLeaves() async throws {
        let address = try await freshDatabase()
        let logs = TemporaryDirectory()
        defer { logs.remove() }
        let (heartbeat, deadAfter) = (0.2, 2.0)
        let a = try ServerProcess(
            database: "\(address)",
            arguments: ["--presence-heartbeat", "\(heartbeat)", "--presence-dead-after", "\(deadAfter)"],
            logNextTo: logs.file("a"))
        defer { if a.isRunning { a.kill9() } }
        let b = try await RunningServer(database: "") {
            $0.database = .postgres(address)
            $0.presenceHeartbeatSeconds = heartbeat
            $0.presenceDeadAfterSeconds = deadAfter
        }
        try await withNodes([b]) {
            let alice = try await TestClient.join(port: a.port, as: "alice", staysOpen: true)
            let carol = try await TestClient.join(port: a.port, as: "carol", staysOpen: true)
            let bob = try await TestClient.join(port: b.port, as: "bob")
            try await alice.send("last words")
            try await bob.expect { $0 == "alice: last words" }
            _ = carol
            let killed = Date()
            a.kill9()
            let isLost: @Sendable (String) -> Bool = { $0.contains(" left") && $0.contains("connection lost") }
            let leaves = try await collect(2, from: bob, within: deadAfter + heartbeat + 20, isLost)
            let took = Date().timeIntervalSince(killed)
            print(
                "killed node: its members' leaves reached the other node \(String(format: "%.2f", took)) s after kill -9"
            )
            #expect(leaves.contains { $0.hasPrefix("alice left") })
            #expect(leaves.contains { $0.hasPrefix("carol left") })
            // The bound (deadAfter + one heartbeat), with slack for a busy machine.
            #expect(took < deadAfter + heartbeat + 3)
            let recorded = try await recordedEvents(at: address).filter { $0.kind == .leave }
            #expect(recorded.map(\.reason) == [.connectionLost, .connectionLost])
            // Their names are free again.
            #expect(try await plainName(port: b.port, asking: "alice").name == "alice")
        }
    }

    @Test(
        "a node reaped while alive (its heartbeats stopped): its clients are told to reconnect and closed, no leave recorded twice, and it stops"
    )
    func reapedNodeStops() async throws {
        let address = try await freshDatabase()
        let fast: (inout ServerConfiguration) -> Void = {
            $0.database = .postgres(address)
            $0.presenceHeartbeatSeconds = 0.2
            $0.presenceDeadAfterSeconds = 2
        }
        let a = try await RunningServer(database: "", fast)
        let b = try await RunningServer(database: "", fast)
        try await withNodes([b]) {
            let alice = try await TestClient.join(port: a.port, as: "alice")
            let bob = try await TestClient.join(port: b.port, as: "bob")
            let presence = try #require(a.server.presence)
            await presence.stop()  // as if cut off: no more heartbeats
            try await bob.expect(within: 20) { $0.hasPrefix("alice left") && $0.contains("connection lost") }
            // Its next heartbeat learns it was reaped.
            #expect(try await presence.heartbeat() == .reaped)
            let told = try await alice.expectClosed(within: 20)
            #expect(told.contains { $0.contains("lost touch with the database: reconnect") })
            await #expect(throws: ServerError.self) { try await a.stop() }
            let leaves = try await recordedEvents(at: address).filter { $0.kind == .leave }
            #expect(leaves.map(\.user) == ["alice"])
            #expect(leaves.map(\.reason) == [.connectionLost])
        }
    }

    @Test(
        "a room made on one node is listed on the other at once, with its member and topic; the other's IRC JOIN, NAMES, WHO, WHOIS, ISON and LIST show it; a rename renames her there, a part drops her"
    )
    func roomsAndMembersAcrossNodes() async throws {
        let address = try await freshDatabase()
        let (a, b) = (try await ircNode(address), try await ircNode(address))
        try await withNodes([a, b]) {
            let alice = try await TestClient.join(port: a.port, as: "alice")
            let bob = try await TestClient.join(port: b.port, as: "bob")
            try await alice.send("/join lab")
            try await alice.send("/topic soldering")
            try await alice.expect { $0.hasSuffix("alice set the topic: soldering") }
            // Committed after the join and the topic: once bob has it, B has them too.
            try await alice.send("/msg bob ready")
            try await bob.expect { $0 == "alice to bob (private): ready" }
            try await bob.send("/rooms")
            try await bob.expect { $0 == "Rooms (2):" }
            try await bob.expect { $0 == "  #main (2 people)" }
            try await bob.expect { $0 == "  #lab (1 person): soldering" }
            try await bob.send("/who")
            try await bob.expect { $0 == "In the room (2): alice, bob" }
            // A join's member list.
            try await bob.send("/join lab")
            try await bob.expect { $0.hasPrefix("*** You are in #lab now (2 here: alice, bob).") }

            let carol = try await IRCTestClient.register(port: try #require(b.server.ircPort), as: "carol")
            try await checkIRCViews(carol)
            try await alice.expect { $0.hasSuffix("carol joined the chat") }
            try await alice.send("/nick alicia")
            try await carol.expect { $0.command == "NICK" && $0.source?.hasPrefix("alice!") == true }
            let afterRename = try await names("#lab", carol)
            #expect(afterRename == "@alicia bob carol")
            try await alice.send("/part lab")
            try await carol.expect { $0.command == "PART" && $0.source?.hasPrefix("alicia!") == true }
            let afterPart = try await names("#lab", carol)
            #expect(afterPart == "bob carol")
            try await bob.expect { $0 == "alicia left the room" }
            try await bob.send("/who")
            try await bob.expect { $0 == "In #lab (2): bob, carol" }
            await carol.close()
        }
    }

    @Test(
        "a node started while another runs sees its members (from the record); when that node is reaped, their leaves drop them from NAMES and WHOIS"
    )
    func startedLaterAndReaped() async throws {
        let address = try await freshDatabase()
        let fast: @Sendable (inout ServerConfiguration) -> Void = {
            $0.database = .postgres(address)
            $0.presenceHeartbeatSeconds = 0.2
            $0.presenceDeadAfterSeconds = 2
            $0.ircPort = 0
        }
        let a = try await RunningServer(database: "", fast)
        let alice = try await TestClient.join(port: a.port, as: "alice")
        try await alice.send("/join lab")
        try await alice.expect { $0.hasPrefix("*** You are in #lab now (1 here: alice).") }
        // B starts after alice's joins: it reads them from the record.
        let b = try await RunningServer(database: "", fast)
        try await withNodes([b]) {
            let carol = try await IRCTestClient.register(port: try #require(b.server.ircPort), as: "carol")
            try await carol.send("JOIN #lab")
            let joined = try await carol.collect { $0.command == "366" }
            let names353 = joined.first { $0.command == "353" }?.parameters.last
            #expect(names353 == "@alice carol")
            let presence = try #require(a.server.presence)
            await presence.stop()  // as if cut off: no more heartbeats, then reaped
            try await carol.expect(within: 20) { $0.source?.hasPrefix("alice!") == true }
            let afterReap = try await names("#lab", carol)
            #expect(afterReap == "carol")
            try await carol.send("WHOIS alice")
            let whois = try await carol.expect { ["311", "401"].contains($0.command) }
            #expect(whois.command == "401")
            await carol.close()
            // Its next heartbeat learns it was reaped: it closes its clients and stops.
            #expect(try await presence.heartbeat() == .reaped)
            _ = try await alice.expectClosed(within: 20)
            await #expect(throws: ServerError.self) { try await a.stop() }
        }
    }

    @Test(
        "IRC MODE across nodes: the room's operator on one node gives voice to a member of the other; both nodes list it"
    )
    func roleAcrossNodes() async throws {
        try await withOpsRoom(try await freshDatabase()) { dan, eve in
            try await dan.send("MODE #ops +v eve")
            try await eve.expect { $0.command == "MODE" && $0.parameters == ["#ops", "+v", "eve"] }
            let onA = try await names("#ops", dan)
            let onB = try await names("#ops", eve)
            #expect(onA == "@dan +eve")
            #expect(onB == "@dan +eve")
        }
    }

    @Test(
        "IRC KICK across nodes: the member of the other node is put out as the kick reaches it; its next line is refused"
    )
    func kickAcrossNodes() async throws {
        let address = try await freshDatabase()
        try await withOpsRoom(address) { dan, eve in
            try await dan.send("KICK #ops eve :off topic")
            let kick = try await eve.expect { $0.command == "KICK" }
            #expect(kick.parameters == ["#ops", "eve", "off topic"])
            try await eve.send("PRIVMSG #ops :still here?")
            try await eve.expect { $0.command == "403" || $0.command == "404" }
            #expect(try await names("#ops", dan) == "@dan")
            #expect(try await names("#ops", eve) == "@dan")
        }
        let said = try await recordedEvents(at: address).filter { $0.kind == .message }
        #expect(said.isEmpty)
    }

    /// Joins `#lab` on the node of `carol` (IRC), where alice (on the other node, its first) and
    /// bob are, and checks JOIN's names and topic, NAMES, WHO, WHOIS, ISON and LIST there.
    private func checkIRCViews(_ carol: IRCTestClient) async throws {
        try await carol.send("JOIN #lab")
        let joined = try await carol.collect { $0.command == "366" }
        let joinNames = joined.first { $0.command == "353" }?.parameters.last
        #expect(joinNames == "@alice bob carol")
        let topic = joined.first { $0.command == "332" }?.parameters.last
        #expect(topic == "soldering")
        let listed = try await names("#lab", carol)
        #expect(listed == "@alice bob carol")
        try await carol.send("WHO #lab")
        let who = try await carol.collect { $0.command == "315" }.filter { $0.command == "352" }
        #expect(who.map { $0.parameters[5] } == ["alice", "bob", "carol"])
        #expect(who.map { $0.parameters[6] } == ["H@", "H", "H"])
        try await carol.send("WHOIS ALICE")
        let whois = try await carol.collect { $0.command == "318" }
        let whoisNick = whois.first { $0.command == "311" }?.parameters[1]
        #expect(whoisNick == "alice")
        try await carol.send("ISON alice dave")
        let online = try await carol.expect { $0.command == "303" }.parameters.last
        #expect(online == "alice")
        try await carol.send("LIST")
        let list = try await carol.collect { $0.command == "323" }.filter { $0.command == "322" }
        let counts = list.map { [$0.parameters[1], $0.parameters[2]] }
        #expect(counts == [["#main", "2"], ["#lab", "3"]])
    }

    /// Two IRC nodes on `address`: dan on the first makes `#ops` (its operator), eve on the second
    /// joins it; `body` runs once dan has seen her join.
    private func withOpsRoom(
        _ address: PostgresAddress, _ body: (IRCTestClient, IRCTestClient) async throws -> Void
    ) async throws {
        let (a, b) = (try await ircNode(address), try await ircNode(address))
        try await withNodes([a, b]) {
            let dan = try await IRCTestClient.register(port: try #require(a.server.ircPort), as: "dan")
            try await dan.join("#ops")
            let eve = try await IRCTestClient.register(port: try #require(b.server.ircPort), as: "eve")
            try await eve.join("#ops")
            try await dan.expect { $0.command == "JOIN" && $0.source?.hasPrefix("eve!") == true }
            try await body(dan, eve)
            await dan.close()
            await eve.close()
        }
    }

    /// `NAMES room` on `client`: the names of its `353`.
    private func names(_ room: String, _ client: IRCTestClient) async throws -> String? {
        try await client.send("NAMES \(room)")
        return try await client.expect { $0.command == "353" }.parameters.last
    }

    /// A node with the IRC door too.
    private func ircNode(_ address: PostgresAddress) async throws -> RunningServer {
        try await RunningServer(database: "") {
            $0.database = .postgres(address)
            $0.ircPort = 0
        }
    }

    /// Joins as `asking` with a plain client and returns the name it was welcomed under.
    private func plainName(port: Int, asking: String) async throws -> (client: TestClient, name: String) {
        let client = try await TestClient.connect(port: port)
        try await client.send(asking)
        let welcome = try await client.expect { $0.hasPrefix("Hello ") }
        let name = welcome.dropFirst("Hello ".count).prefix { $0 != "!" }
        return (client, String(name))
    }

    /// Registers as `nick` with an IRC client and returns the answer: the end of the welcome
    /// (`376` or `422`) or `433`.
    private func ircAnswer(port: Int, nick: String) async throws -> (client: IRCTestClient, command: String) {
        let client = try await IRCTestClient.connect(port: port)
        try await client.send("NICK \(nick)")
        try await client.send("USER \(nick) 0 * :\(nick)")
        let answer = try await client.expect { ["376", "422", "433"].contains($0.command) }
        return (client, answer.command)
    }
}

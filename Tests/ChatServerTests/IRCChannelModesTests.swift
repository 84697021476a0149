import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// Channel operators and modes, OPER and NOTICE through the IRC door, with raw IRC clients and an
/// nc user on real sockets: what IRC clients expect, enforced by the core for every door, and
/// recorded like every other event.
@Suite("IRC channel modes, OPER and NOTICE", .timeLimit(.minutes(1)))
struct IRCChannelModesTests {
    /// `NAMES #channel`'s names, as sent.
    func names(_ channel: String, _ client: IRCTestClient) async throws -> [String] {
        try await client.send("NAMES \(channel)")
        let reply = try await client.expect { $0.command == "353" }
        try await client.expect { $0.command == "366" }
        return (reply.parameters.last ?? "").split(separator: " ").map(String.init).sorted()
    }

    @Test("the first to join is @; +t, +v, +m, +o and +s are kept and enforced for every door, and recorded")
    func modes() async throws {
        try await withIRCServer { server in
            let alice = try await server.register("alice")
            try await alice.join("#dev")
            let bob = try await server.register("bob")
            try await bob.join("#dev")
            let carol = try await TestClient.join(port: server.port, as: "carol")
            try await carol.send("/join dev")
            try await carol.expect { $0.hasPrefix("*** You are in #dev now") }
            #expect(try await names("#dev", bob) == ["@alice", "bob", "carol"])

            // +t: the topic is the operators'; bob over IRC and carol over nc are refused.
            try await alice.send("MODE #dev +t")
            let mode = try await bob.expect { $0.command == "MODE" }
            #expect(mode.source == "alice!alice@chatroom")
            #expect(mode.parameters == ["#dev", "+t"])
            try await carol.expect { $0 == "alice made the room topic locked (+t)" }
            try await bob.send("TOPIC #dev :mine")
            let refused = try await bob.expect { $0.command == "482" }
            #expect(refused.parameters.dropFirst().first == "#dev")
            try await carol.send("/topic mine")
            try await carol.expect { $0 == "error: only the operators of #dev may do that; nothing was changed." }
            try await bob.send("MODE #dev")
            let modes = try await bob.expect { $0.command == "324" }
            #expect(modes.parameters == ["bob", "#dev", "+nt"])

            // A voice is no operator: still refused the topic; +m quiets carol, not bob.
            try await alice.send("MODE #dev +vm bob")
            try await bob.expect { $0.command == "MODE" && $0.parameters == ["#dev", "+v", "bob"] }
            try await bob.expect { $0.command == "MODE" && $0.parameters == ["#dev", "+m"] }
            try await bob.send("TOPIC #dev :mine")
            try await bob.expect { $0.command == "482" }
            try await carol.send("may I?")
            try await carol.expect { $0.hasPrefix("error: #dev is moderated") }
            try await bob.send("PRIVMSG #dev :voiced")
            try await carol.expect { $0 == "bob: voiced" }

            // +o: bob may now set the topic; -m lets carol speak again.
            try await alice.send("MODE #dev +o-m bob")
            try await bob.expect { $0.command == "MODE" && $0.parameters == ["#dev", "-m"] }
            try await bob.send("TOPIC #dev :bob's now")
            try await alice.expect { $0.command == "TOPIC" && $0.parameters == ["#dev", "bob's now"] }
            #expect(try await names("#dev", alice) == ["@alice", "@bob", "carol"])

            // +s: out of LIST for those not in the room; NAMES says "@".
            try await alice.send("MODE #dev +s")
            try await alice.expect { $0.command == "MODE" && $0.parameters == ["#dev", "+s"] }
            let dave = try await server.register("dave")
            try await dave.send("LIST")
            let list = try await dave.collect { $0.command == "323" }
            let listed = list.filter { $0.command == "322" }.compactMap { $0.parameters.dropFirst().first }
            #expect(!listed.contains("#dev"), "\(listed)")
            try await dave.send("NAMES #dev")
            let secret = try await dave.expect { $0.command == "353" }
            #expect(secret.parameters.dropFirst().first == "@")

            // Errors: an unknown mode, a change from outside, a non-member, a non-operator.
            try await alice.send("MODE #dev +k key")
            try await alice.expect { $0.command == "472" && $0.parameters.dropFirst().first == "k" }
            try await dave.send("MODE #dev -t")
            try await dave.expect { $0.command == "442" }
            try await alice.send("MODE #dev +o dave")
            try await alice.expect { $0.command == "441" }
            try await carol.send("/quit")
            _ = try await carol.expectClosed()

            let recorded = try EventReader(path: server.database).events(EventFilter(kinds: [.mode]))
            #expect(
                recorded.map { "\($0.user) \($0.text) \($0.target ?? "")" } == [
                    "alice +t ", "alice +v bob", "alice +m ", "alice +o bob", "alice -m ", "alice +s ",
                ])
        }
    }

    @Test("an empty room forgets its modes, and the next to enter is its operator")
    func emptyRoomForgets() async throws {
        try await withIRCServer { server in
            let alice = try await server.register("alice")
            try await alice.join("#dev")
            // A flag given several times in one line counts once, as last given.
            try await alice.send("MODE #dev +t-t+ts-s+s")
            try await alice.expect { $0.command == "MODE" && $0.parameters == ["#dev", "+s"] }
            try await alice.send("MODE #dev")
            let set = try await alice.expect { $0.command == "324" }
            #expect(set.parameters.last == "+nst")
            try await alice.send("PART #dev")
            try await alice.expect { $0.command == "PART" }
            let dave = try await server.register("dave")
            try await dave.join("#dev")
            try await dave.send("MODE #dev")
            let fresh = try await dave.expect { $0.command == "324" }
            #expect(fresh.parameters.last == "+n")
            #expect(try await names("#dev", dave) == ["@dave"])
        }
    }

    @Test("OPER takes an operator account's role: 381, * in WHO, 313 in WHOIS; a wrong password is 464")
    func oper() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        try addAccount("boss", password: "operator password", role: .operator, database: database)
        try addAccount("member", password: "member password", role: .member, database: database)
        try await withIRCServer(database: database) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            try await alice.send("OPER boss wrong-password")
            try await alice.expect { $0.command == "464" }
            try await alice.send("OPER member :member password")
            try await alice.expect { $0.command == "491" }
            try await bob.send("WHO alice")
            let before = try await bob.expect { $0.command == "352" }
            #expect(before.parameters.dropFirst(6).first == "H")

            try await alice.send("OPER boss :operator password")
            try await alice.expect { $0.command == "381" }
            try await alice.send("MODE alice")
            let own = try await alice.expect { $0.command == "221" }
            #expect(own.parameters.last == "+io")
            try await bob.send("WHO alice")
            let after = try await bob.expect { $0.command == "352" }
            #expect(after.parameters.dropFirst(6).first == "H*")
            try await bob.send("WHOIS alice")
            let whois = try await bob.collect { $0.command == "318" }
            let numerics = whois.map(\.command)
            #expect(numerics.contains("313"), "\(numerics)")
            // The operator's powers: changing the modes of a room it did not make.
            try await bob.join("#ops")
            try await alice.join("#ops")
            try await alice.send("MODE #ops +t")
            try await bob.expect { $0.command == "MODE" && $0.parameters == ["#ops", "+t"] }
        }
    }

    @Test("NOTICE is recorded as a notice: NOTICE to IRC clients, -alice- to nc users, to a room and to a person")
    func notice() async throws {
        try await withIRCServer { server in
            let carol = try await TestClient.join(port: server.port, as: "carol")
            try await carol.send("/join dev")
            let alice = try await server.register("alice", capabilities: ["echo-message"])
            try await alice.join("#dev")
            let bob = try await server.register("bob")
            try await bob.join("#dev")

            try await alice.send("NOTICE #dev :the build is green")
            let heard = try await bob.expect { $0.command == "NOTICE" }
            #expect(heard.source == "alice!alice@chatroom")
            #expect(heard.parameters == ["#dev", "the build is green"])
            let echoed = try await alice.expect { $0.command == "NOTICE" }
            #expect(echoed.parameters == ["#dev", "the build is green"])
            try await carol.expect { $0 == "-alice- the build is green" }

            try await alice.send("NOTICE carol :just you")
            try await carol.expect { $0 == "-alice to carol (private)- just you" }
            // A notice to nobody gets no error (a notice is never answered), then PING is.
            try await bob.send("NOTICE nobody :hello?")
            try await bob.send("PING :after")
            let next = try await bob.expect { $0.command != "NOTICE" }
            #expect(next.command == "PONG")

            let recorded = try EventReader(path: server.database).events(
                EventFilter(kinds: [.notice], includePrivate: true))
            #expect(recorded.map(\.text) == ["the build is green", "just you"])
            #expect(recorded.map(\.recipient) == [nil, "carol"])
        }
    }
}

/// A channel operator's KICK out of one room, on real sockets.
@Suite("IRC KICK out of a channel", .timeLimit(.minutes(1)))
struct IRCRoomKickTests {
    @Test("a channel operator's KICK puts bob out of #dev only; 482 for a non-operator; recorded")
    func kick() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        try await withIRCServer(database: database) { server in
            let alice = try await server.register("alice")
            try await alice.join("#dev")
            let bob = try await server.register("bob")
            try await bob.join("#dev")
            try await bob.send("KICK #dev alice")
            try await bob.expect { $0.command == "482" }
            try await alice.send("KICK #dev bob :spam")
            let kick = try await bob.expect { $0.command == "KICK" }
            #expect(kick.parameters == ["#dev", "bob", "spam"])
            try await bob.send("PRIVMSG #dev :still here?")
            try await bob.expect { $0.command == "403" || $0.command == "404" }
        }
        let kicks = try EventReader(path: database).events(EventFilter(kinds: [.roomKick]))
        #expect(kicks.map { "\($0.user) \($0.target ?? "") \($0.text)" } == ["alice bob spam"])
    }
}

import ChatModel
import ChatProtocol
import ChatServer
import ChatTestSupport
import Foundation
import Testing

/// The IRC door with a raw IRC client over real sockets on 127.0.0.1: registration, rooms as
/// channels, history tagged and untagged, messages both ways with an nc user in the same room,
/// private messages, nick changes, quits and the error numerics.
@Suite("IRC door", .timeLimit(.minutes(1)))
struct IRCDoorTests {
    @Test("registration: the welcome numerics, ISUPPORT, and a taken nick refused with 433, then another taken")
    func registration() async throws {
        try await withIRCServer { server in
            let client = try await server.connect()
            try await client.send("CAP LS 302")
            let caps = try await client.expect { $0.command == "CAP" }
            #expect(caps.parameters.last?.split(separator: " ").contains("server-time") == true)
            try await client.send("JOIN #dev")
            try await client.expect { $0.command == "451" }
            try await client.send("NICK alice")
            try await client.send("USER alice 0 * :Alice Liddell")
            // Registration waits for CAP END.
            try await client.send("CAP END")
            let welcome = try await client.collect { $0.command == "422" }
            #expect(welcome.map(\.command).prefix(4) == ["001", "002", "003", "004"])
            #expect(welcome.first?.parameters.first == "alice")
            let isupport = welcome.filter { $0.command == "005" }.flatMap(\.parameters)
            for token in ["CASEMAPPING=ascii", "CHANTYPES=#", "UTF8ONLY", "NICKLEN=\(NameRules.maxLength)"] {
                #expect(isupport.contains(token), "ISUPPORT lacks \(token): \(isupport)")
            }

            let second = try await server.connect()
            try await second.send("NICK ALICE")
            try await second.send("USER x 0 * :X")
            let taken = try await second.expect { $0.command == "433" }
            #expect(taken.parameters == ["*", "ALICE", "Nickname is already in use"])
            try await second.send("NICK bad!nick")
            try await second.expect { $0.command == "432" }
            try await second.send("NICK bob")
            let bob = try await second.expect { $0.command == "001" }
            #expect(bob.parameters.first == "bob")
        }
    }

    @Test("a client that never registers is told and closed after the name timeout")
    func neverRegisters() async throws {
        let quickTimeout: @Sendable (inout ServerConfiguration) -> Void = { $0.nameTimeoutSeconds = 0.5 }
        try await withIRCServer(quickTimeout) { server in
            let silent = try await server.connect()
            let talker = try await server.connect()
            try await talker.send("NICK carol")
            let silentLines = try await silent.expectClosed()
            let talkerLines = try await talker.expectClosed()
            #expect(silentLines.map(\.command) == ["ERROR"])
            #expect(talkerLines.last?.command == "ERROR")
        }
    }

    @Test("join: the channel's names and its history, as PRIVMSG with the time in front, or as a tagged batch")
    func joinWithHistory() async throws {
        try await withIRCServer { server in
            let plain = try await TestClient.join(port: server.port, as: "carol")
            try await plain.send("/join dev")
            try await plain.send("before anyone came")
            try await plain.expect { $0 == "carol: before anyone came" }

            let untagged = try await server.register("alice")
            try await untagged.send("JOIN #dev")
            let joined = try await untagged.collect { $0.command == "PRIVMSG" }
            #expect(joined.first?.command == "JOIN")
            #expect(joined.first?.source == "alice!alice@chatroom")
            #expect(joined.first?.parameters == ["#dev"])
            let names = try #require(joined.first { $0.command == "353" })
            // carol, first in the room, is its operator.
            #expect(Set(names.parameters.last!.split(separator: " ")) == ["alice", "@carol"])
            #expect(joined.map(\.command).contains("366"))
            let old = try #require(joined.last)
            #expect(old.source == "carol!carol@chatroom")
            #expect(old.tags.isEmpty)
            let text = try #require(old.parameters.last)
            #expect(text.hasPrefix("[20") && text.hasSuffix("] before anyone came"), "\(text)")

            let tagged = try await server.register("bob", capabilities: ["server-time", "message-tags", "batch"])
            try await tagged.send("JOIN #dev")
            let batch = try await tagged.collect {
                $0.command == "BATCH" && $0.parameters.first?.hasPrefix("-") == true
            }
            let open = try #require(batch.first { $0.command == "BATCH" })
            #expect(open.parameters.dropFirst().first == "chathistory")
            #expect(open.parameters.last == "#dev")
            let reference = String(open.parameters[0].dropFirst())
            let message = try #require(batch.first { $0.command == "PRIVMSG" })
            #expect(message.parameters == ["#dev", "before anyone came"])
            #expect(message.tag("batch") == reference)
            #expect(message.tag("time").flatMap(Timestamp.parse) != nil)
            #expect(message.tag("msgid").flatMap(Int64.init) != nil)
            #expect(batch.last?.parameters == ["-" + reference])
        }
    }

    @Test("an IRC user and an nc user in one room: messages, actions, nick, topic and quit both ways, all recorded")
    func withAnNCUser() async throws {
        try await withIRCServer { server in
            let plain = try await TestClient.join(port: server.port, as: "carol")
            try await plain.send("/join dev")
            let irc = try await server.register("alice")
            try await irc.join("#dev")
            try await plain.expect { $0 == "alice joined the chat" }

            try await irc.send("PRIVMSG #dev :hello from irc")
            try await irc.send("PRIVMSG #dev :\u{1}ACTION waves\u{1}")
            try await plain.expect { $0 == "alice: hello from irc" }
            try await plain.expect { $0 == "* alice waves" }
            try await plain.send("hello from nc")
            let heard = try await irc.expect { $0.command == "PRIVMSG" }
            // Its own messages did not come back: no echo-message.
            #expect(heard.source == "carol!carol@chatroom")
            #expect(heard.parameters == ["#dev", "hello from nc"])

            try await plain.send("/me nods")
            let action = try await irc.expect { $0.command == "PRIVMSG" }
            #expect(action.parameters == ["#dev", "\u{1}ACTION nods\u{1}"])

            try await irc.send("TOPIC #dev :plans")
            let topic = try await irc.expect { $0.command == "TOPIC" }
            #expect(topic.parameters == ["#dev", "plans"])
            try await plain.expect { $0 == "alice set the topic: plans" }

            try await irc.send("NICK alicia")
            let nick = try await irc.expect { $0.command == "NICK" }
            #expect(nick.source == "alice!alice@chatroom")
            #expect(nick.parameters == ["alicia"])
            try await plain.expect { $0 == "alice is now known as alicia" }
            try await plain.send("/nick caroline")
            let renamed = try await irc.expect { $0.command == "NICK" }
            #expect(renamed.source == "carol!carol@chatroom")
            #expect(renamed.parameters == ["caroline"])

            try await irc.send("QUIT :bye")
            let last = try await irc.expectClosed()
            #expect(last.last?.command == "ERROR")
            try await plain.expect { $0 == "alicia left the chat" }

            try await plain.send("/history 20")
            try await plain.expect { $0.hasSuffix("alice: hello from irc") }
            try await plain.expect { $0.hasSuffix("* alice waves") }
            try await plain.expect { $0.hasSuffix("alicia left the chat") }
        }
    }

    @Test("lines sent in one write are answered in their order: a JOIN's replies, then the message, then PONG")
    func answersInOrder() async throws {
        try await withIRCServer { server in
            let alice = try await server.register("alice")
            try await alice.join("#dev")
            let bob = try await server.register("bob")
            try await bob.lines.send(bytes: Array("JOIN #dev\r\nPRIVMSG #dev :hi, just joined\r\nPING :done\r\n".utf8))
            let answers = try await bob.collect { $0.command == "PONG" }
            #expect(answers.first?.command == "JOIN")
            #expect(!answers.contains { $0.command == "404" })
            #expect(answers.map(\.command).firstIndex(of: "366") != nil)
            let heard = try await alice.expect { $0.command == "PRIVMSG" }
            #expect(heard.parameters == ["#dev", "hi, just joined"])
        }
    }

    @Test("CHATHISTORY LATEST, BEFORE, AFTER, AROUND and BETWEEN, by msgid and by timestamp, in a batch")
    func chatHistory() async throws {
        try await withIRCServer { server in
            let plain = try await TestClient.join(port: server.port, as: "carol")
            try await plain.send("/join dev")
            for n in 1...8 { try await plain.send("m\(n)") }
            try await plain.expect { $0 == "carol: m8" }
            let irc = try await server.register(
                "alice",
                capabilities: ["draft/chathistory", "batch", "server-time", "message-tags"])
            try await irc.send("JOIN #dev")
            let joined = try await irc.collect { $0.command == "366" }
            #expect(!joined.contains { $0.command == "BATCH" }, "a CHATHISTORY client asks for its history")

            /// The texts of a CHATHISTORY's batch, and their ids.
            func window(_ request: String) async throws -> [(text: String, id: String)] {
                try await irc.send("CHATHISTORY " + request)
                let batch = try await irc.collect {
                    $0.command == "FAIL" || ($0.command == "BATCH" && $0.parameters.first?.hasPrefix("-") == true)
                }
                #expect(batch.first?.command == "BATCH", "\(request): \(batch.map(\.line))")
                return batch.filter { $0.command == "PRIVMSG" }.map { ($0.parameters[1], $0.tag("msgid") ?? "") }
            }
            let latest = try await window("LATEST #dev * 3")
            #expect(latest.map(\.text) == ["m6", "m7", "m8"])
            let m6 = latest[0].id
            #expect(try await window("BEFORE #dev msgid=\(m6) 2").map(\.text) == ["m4", "m5"])
            #expect(try await window("AFTER #dev msgid=\(m6) 5").map(\.text) == ["m7", "m8"])
            #expect(try await window("AROUND #dev msgid=\(m6) 4").map(\.text) == ["m4", "m5", "m6", "m7"])
            let all = try await window("LATEST #dev * 100")
            #expect(all.map(\.text) == (1...8).map { "m\($0)" })
            let between = try await window("BETWEEN #dev msgid=\(all[1].id) msgid=\(all[6].id) 10")
            #expect(between.map(\.text) == ["m3", "m4", "m5", "m6"])
            let newest = try await window("BETWEEN #dev msgid=\(all[6].id) msgid=\(all[1].id) 2")
            #expect(newest.map(\.text) == ["m5", "m6"])
            #expect(try await window("LATEST #dev timestamp=2000-01-01T00:00:00.000Z 2").map(\.text) == ["m7", "m8"])
            #expect(try await window("BEFORE #dev timestamp=2000-01-01T00:00:00.000Z 5").isEmpty)

            try await irc.send("CHATHISTORY LATEST #elsewhere * 5")
            let fail = try await irc.expect { $0.command == "FAIL" }
            #expect(fail.parameters.prefix(2) == ["CHATHISTORY", "INVALID_TARGET"])
        }
    }

    @Test("accounts: SASL PLAIN (903 then the welcome after CAP END, 904 for a wrong password) and PASS")
    func accounts() async throws {
        let openRegistration: @Sendable (inout ServerConfiguration) -> Void = { $0.registration = .open }
        try await withIRCServer(openRegistration) { server in
            let owner = try await TestClient.join(port: server.port, as: "dana")
            try await owner.send("/register long-enough-password")
            try await owner.expect { $0.hasPrefix("*** The name dana is registered to you now") }
            try await owner.send("/quit")
            _ = try await owner.expectClosed()

            /// Registers with SASL PLAIN as `account` with `password`; returns what came until 001
            /// or 904.
            func sasl(_ account: String, _ password: String) async throws -> (IRCTestClient, [IRCMessage]) {
                let client = try await server.connect()
                try await client.send("CAP LS 302")
                let caps = try await client.expect { $0.command == "CAP" }
                #expect(caps.parameters.last?.contains("sasl=PLAIN") == true)
                try await client.send("NICK guest")
                try await client.send("USER guest 0 * :Guest")
                try await client.send("CAP REQ :sasl")
                try await client.expect { $0.command == "CAP" }
                try await client.send("AUTHENTICATE PLAIN")
                try await client.expect { $0.command == "AUTHENTICATE" && $0.parameters == ["+"] }
                try await client.send("AUTHENTICATE " + SASLPlain(account: account, password: password).base64)
                let outcome = try await client.collect { $0.command == "903" || $0.command == "904" }
                try await client.send("CAP END")
                return (client, outcome)
            }
            let (wrong, refused) = try await sasl("dana", "not-her-password")
            #expect(refused.last?.command == "904")
            await wrong.close()
            let (right, accepted) = try await sasl("dana", "long-enough-password")
            #expect(accepted.map(\.command).suffix(2) == ["900", "903"])
            #expect(!accepted.contains { $0.command == "001" }, "the welcome waits for CAP END")
            let welcome = try await right.expect { $0.command == "001" }
            #expect(welcome.parameters.first == "dana")
            try await right.send("QUIT")
            try await right.expectClosed()

            let withoutPassword = try await server.connect()
            try await withoutPassword.send("NICK dana")
            try await withoutPassword.send("USER dana 0 * :Dana")
            try await withoutPassword.expect { $0.command == "464" }
            try await withoutPassword.send("PASS long-enough-password")
            let welcomed = try await withoutPassword.expect { $0.command == "001" }
            #expect(welcomed.parameters.first == "dana")
        }
    }

    @Test("IRC over TLS (--irc-tls-port): a client inside TLS talks with one on the plain IRC port")
    func overTLS() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try await TestCertificates(in: dir.path)
        var configuration = ServerConfiguration.testingIRC(database: dir.file("chat.sqlite"))
        configuration.tls = TLSSettings(
            port: 0, certificatePath: certificates.certificatePath, keyPath: certificates.keyPath)
        configuration.ircTLSPort = 0
        try await withServer(configuration) { server in
            let secure = try await IRCTestClient.register(
                port: try #require(server.ircTLSPort), as: "alice", tls: try certificates.clientContext())
            let plain = try await IRCTestClient.register(port: try #require(server.ircPort), as: "bob")
            for client in [secure, plain] {
                try await client.join("#dev")
            }
            try await secure.send("PRIVMSG #dev :sealed")
            let heard = try await plain.expect { $0.command == "PRIVMSG" }
            #expect(heard.source == "alice!alice@chatroom")
            #expect(heard.parameters == ["#dev", "sealed"])
        }
    }

    @Test("echo-message: the sender gets its own message back, tagged with the id it was recorded under")
    func echoMessage() async throws {
        try await withIRCServer { server in
            let irc = try await server.register("alice", capabilities: ["echo-message", "message-tags", "server-time"])
            try await irc.join("#dev")
            let watcher = try await server.register("bob", capabilities: ["message-tags"])
            try await watcher.join("#dev")
            try await irc.send("PRIVMSG #dev :said once")
            let echo = try await irc.expect { $0.command == "PRIVMSG" }
            let seen = try await watcher.expect { $0.command == "PRIVMSG" }
            #expect(echo.source == "alice!alice@chatroom")
            #expect(echo.tag("msgid") != nil)
            #expect(echo.tag("msgid") == seen.tag("msgid"))
        }
    }

    @Test("private messages between an IRC query and an nc user's /msg")
    func privateMessages() async throws {
        try await withIRCServer { server in
            let plain = try await TestClient.join(port: server.port, as: "carol")
            let irc = try await server.register("alice")
            try await irc.send("PRIVMSG carol :just between us")
            try await plain.expect { $0 == "alice to carol (private): just between us" }
            try await plain.send("/msg alice and back")
            let query = try await irc.expect { $0.command == "PRIVMSG" }
            #expect(query.source == "carol!carol@chatroom")
            #expect(query.parameters == ["alice", "and back"])
            try await irc.send("PRIVMSG nobody :hello?")
            let missing = try await irc.expect { $0.command == "401" }
            #expect(missing.parameters.dropFirst().first == "nobody")
        }
    }

    @Test("errors are numerics, not silence, and the connection goes on")
    func errors() async throws {
        try await withIRCServer { server in
            let irc = try await server.register("alice")
            let cases: [(String, String)] = [
                ("FROBNICATE", "421"), ("PRIVMSG #nowhere :x", "403"), ("PART #nowhere", "403"), ("JOIN", "461"),
                ("PRIVMSG", "411"), ("PRIVMSG #x", "412"), ("NICK", "431"), ("USER a 0 * :b", "462"),
                ("JOIN bad", "403"), ("TOPIC #nowhere", "403"),
                ("PRIVMSG alice :" + String(repeating: "x", count: 500), "417"),
            ]
            for (line, numeric) in cases {
                try await irc.send(line)
                let answer = try await irc.next()
                #expect(answer?.command == numeric, "\(line) → \(answer?.line ?? "nothing")")
            }
            let other = try await server.register("bob")
            try await other.join("#here")
            try await irc.send("PRIVMSG #here :not a member")
            #expect(try await irc.next()?.command == "404")
            try await irc.send("PART #here")
            #expect(try await irc.next()?.command == "442")
            try await irc.send("PING :still here")
            let pong = try await irc.next()
            #expect(pong?.command == "PONG")
            #expect(pong?.parameters.last == "still here")
        }
    }

    @Test("NAMES, WHO, WHOIS, LIST and PART as IRC clients expect them")
    func queries() async throws {
        try await withIRCServer { server in
            let plain = try await TestClient.join(port: server.port, as: "carol")
            try await plain.send("/join dev")
            try await plain.send("/topic the dev room")
            try await plain.expect { $0 == "carol set the topic: the dev room" }
            let irc = try await server.register("alice")
            try await irc.send("JOIN #dev")
            let joined = try await irc.collect { $0.command == "366" }
            let topic = joined.first { $0.command == "332" }?.parameters.last
            let setter = joined.first { $0.command == "333" }?.parameters.dropFirst(2).first
            #expect(topic == "the dev room")
            #expect(setter == "carol")
            try await irc.send("WHO #dev")
            let who = try await irc.collect { $0.command == "315" }
            let listed = Set(who.filter { $0.command == "352" }.map { $0.parameters[5] })
            #expect(listed == ["alice", "carol"])
            try await irc.send("WHOIS carol")
            let whois = try await irc.collect { $0.command == "318" }
            #expect(whois.first?.command == "311")
            try await irc.send("LIST")
            let list = try await irc.collect { $0.command == "323" }
            let dev = list.first { $0.command == "322" && $0.parameters[1] == "#dev" }
            #expect(dev?.parameters.dropFirst(2) == ["2", "the dev room"])
            try await irc.send("PART #dev")
            let part = try await irc.expect { $0.command == "PART" }
            #expect(part.source == "alice!alice@chatroom")
            try await plain.expect { $0 == "alice left the room" }
            // Out of every channel, still on the server.
            try await irc.send("NAMES #dev")
            let names = try await irc.collect { $0.command == "366" }
            let left = names.first { $0.command == "353" }?.parameters.last
            #expect(left == "@carol")
        }
    }
}

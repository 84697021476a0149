import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// IRCv3 client-only tags through the IRC door, on real sockets: relayed with the message to the
/// IRC clients that asked for `message-tags` and to no one else, recorded with it, and TAGMSG
/// relayed to those clients only, recorded as an event of its own.
@Suite("IRC client-only tags and TAGMSG", .timeLimit(.minutes(1)))
struct IRCClientTagsTests {
    @Test("+tags reach message-tags clients only, other tags are dropped, and the tags are recorded")
    func relayedAndRecorded() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        try await withIRCServer(database: database) { server in
            let alice = try await server.register("alice", capabilities: ["message-tags"])
            let bob = try await server.register("bob", capabilities: ["message-tags", "echo-message"])
            let carol = try await server.register("carol")
            let dave = try await server.register("dave", capabilities: ["server-time"])
            for client in [alice, bob, carol, dave] {
                try await client.join("#dev")
            }
            let erin = try await TestClient.join(port: server.port, as: "erin")
            try await erin.send("/join dev")
            try await erin.expect { $0.hasPrefix("*** You are in #dev now") }
            // erin's answer can come before her JOIN reaches the IRC clients: it comes first here.
            for client in [alice, bob, carol, dave] {
                try await client.expect { $0.command == "JOIN" && $0.source?.hasPrefix("erin!") == true }
            }

            try await alice.send("@+baz=bat;fizz=buzz PRIVMSG #dev hi")
            let relayed = try await bob.expect { $0.command == "PRIVMSG" }
            #expect(relayed.tag("+baz") == "bat" && relayed.tag("msgid") != nil)
            #expect(!relayed.tags.contains { $0.key == "fizz" })
            let plain = try await carol.expect { $0.command == "PRIVMSG" }
            #expect(plain.tags.isEmpty && plain.parameters == ["#dev", "hi"])
            let timed = try await dave.expect { $0.command == "PRIVMSG" }
            #expect(timed.tag("time") != nil && !timed.tags.contains { $0.key == "+baz" })
            try await erin.expect { $0 == "[#dev] alice: hi" || $0 == "alice: hi" }

            // TAGMSG, with an escaped value: bob (echo) and alice get it; carol, dave and erin never do.
            try await bob.send(#"@+buzz=fizz\:buzz;cat=dog;+steel=wootz TAGMSG #dev"#)
            let echo = try await bob.expect { $0.command == "TAGMSG" }
            let tagged = try await alice.expect { $0.command == "TAGMSG" }
            #expect(tagged.source == "bob!bob@chatroom" && tagged.parameters == ["#dev"])
            #expect(tagged.tag("+buzz") == "fizz;buzz" && tagged.tag("+steel") == "wootz")
            #expect(!tagged.tags.contains { $0.key == "cat" })
            #expect(echo.tag("msgid") == tagged.tag("msgid"))
            // A private TAGMSG reaches its message-tags recipient only.
            try await alice.send("@+typing=active TAGMSG bob")
            let typing = try await bob.expect { $0.command == "TAGMSG" }
            #expect(typing.parameters == ["bob"] && typing.tag("+typing") == "active")
            // What comes next to carol, dave and erin is the next message, not the TAGMSG.
            try await bob.send("PRIVMSG #dev :after")
            let next = try await carol.expect { _ in true }
            #expect(next.command == "PRIVMSG" && next.parameters == ["#dev", "after"], "\(next.line)")
            let nextTimed = try await dave.expect { _ in true }
            #expect(nextTimed.command == "PRIVMSG" && nextTimed.parameters == ["#dev", "after"], "\(nextTimed.line)")
            try await erin.expect { $0.hasSuffix("bob: after") }

            // Tags over 4094 bytes: 417, nothing relayed or recorded.
            try await alice.send("@+baz=\(String(repeating: "a", count: 4090)) TAGMSG #dev")
            try await alice.expect { $0.command == "417" }
            try await alice.send("PRIVMSG #dev :last")
            let seen = try await bob.collect { $0.parameters == ["#dev", "last"] }
            #expect(!seen.contains { $0.command == "TAGMSG" }, "\(seen)")
        }
        let events = try EventReader(path: database).events(EventFilter(kinds: [.message], includePrivate: true))
        #expect(events.map { "\($0.text) \($0.clientTags ?? "-")" } == ["hi +baz=bat", "after -", "last -"])
        // The TAGMSGs are recorded as events of their own (readers pass over them).
        let rows = try sqlite(database, "SELECT user, recipient, client_tags FROM events WHERE kind = 'tag_message'")
        #expect(rows == [#"bob||+buzz=fizz\:buzz;+steel=wootz"#, "alice|bob|+typing=active"])
    }

    @Test(
        "a PRIVMSG as long as a client may send, with 4 KB of tags, is relayed in one line; longer text from nc is cut")
    func longestLineRelayedWhole() async throws {
        try await withIRCServer { server in
            let alice = try await server.register("alice", capabilities: ["message-tags", "echo-message"])
            let bob = try await server.register("bob", capabilities: ["message-tags"])
            for client in [alice, bob] {
                try await client.join("#dev")
            }
            let carol = try await TestClient.join(port: server.port, as: "carol")
            try await carol.send("/join dev")
            try await carol.expect { $0.hasPrefix("*** You are in #dev now") }
            try await bob.expect { $0.command == "JOIN" && $0.source?.hasPrefix("carol!") == true }

            // 4096 bytes of tags, then 510 bytes of `PRIVMSG #dev bbb…`: at both limits (irctest's
            // testLengthLimits). The source bob sees it with is not the client's to count.
            let tags = "@foo=bar;+baz=" + String(repeating: "a", count: 4081)
            let text = String(repeating: "b", count: IRCLines.maxLineBytes - "PRIVMSG #dev \r\n".utf8.count)
            try await alice.send("\(tags) PRIVMSG #dev \(text)")
            let echo = try await alice.expect { $0.command == "PRIVMSG" }
            let relayed = try await bob.expect { $0.command == "PRIVMSG" }
            for message in [echo, relayed] {
                #expect(message.parameters == ["#dev", text])
                #expect(message.tag("+baz") == String(repeating: "a", count: 4081))
            }
            #expect(echo.tag("msgid") == relayed.tag("msgid"))
            try await carol.expect { $0.hasSuffix("alice: " + text) }
            try await alice.send("PRIVMSG #dev :after")
            let next = try await bob.expect { _ in true }
            #expect(next.command == "PRIVMSG" && next.parameters == ["#dev", "after"], "\(next.line)")

            // Longer text from nc (up to --max-message-bytes) is cut so no piece is longer than a
            // client's line, and nothing is lost.
            let long = String(repeating: "é", count: 700)
            try await carol.send(long)
            var received: [String] = []
            try await bob.expect { message in
                if message.command == "PRIVMSG", let piece = message.parameters.last { received.append(piece) }
                return received.joined().utf8.count >= long.utf8.count
            }
            #expect(received.joined() == long && received.count > 1)
            #expect(received.allSatisfy { "PRIVMSG #dev \($0)\r\n".utf8.count <= IRCLines.maxLineBytes })
        }
    }

    /// Rows of `sql` from the `sqlite3` command, `|`-separated (the store's readers pass over what
    /// this test looks for).
    private func sqlite(_ database: String, _ sql: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-readonly", database, sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

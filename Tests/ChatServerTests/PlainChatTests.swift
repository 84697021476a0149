import ChatModel
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@Suite("Plain-text chat, as with nc", .timeLimit(.minutes(1)))
struct PlainChatTests {
    @Test("everyone, the sender too, sees name: text; joins and leaves are announced and recorded")
    func chatAndAnnouncements() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            try await alice.expect { $0 == "alice joined the chat" }
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await alice.expect { $0 == "bob joined the chat" }
            try await bob.send("hello alice")
            try await alice.expect { $0 == "bob: hello alice" }
            try await bob.expect { $0 == "bob: hello alice" }
            await bob.close()
            try await alice.expect { $0 == "bob left the chat (connection lost)" }
            try await alice.send("{quit}")
            try await alice.expect { $0 == "Goodbye!" }
            try await alice.expectClosed()
        }
        let events = try recordedEvents(db)
        #expect(events.map(\.kind) == [.join, .join, .message, .leave, .leave])
        #expect(events[2].text == "hello alice" && events[2].user == "bob")
        #expect(events[3].reason == .connectionLost && events[3].user == "bob")
        #expect(events[4].reason == .quit && events[4].user == "alice")
    }

    @Test(
        "names: taken gets a number, empty gets USR, reserved is refused, the name is cleaned",
        arguments: [
            "{quit}", "{exit}", "/quit",
        ])
    func namesAndQuitCommands(quitCommand: String) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let first = try await TestClient.join(port: server.port, as: "  alice  ")
            let second = try await TestClient.connect(port: server.port)
            try await second.send("ALICE")
            try await second.expect { $0 == "The name ALICE is taken; you are ALICE2." }
            let empty = try await TestClient.join(port: server.port, as: "")
            let reserved = try await TestClient.connect(port: server.port)
            try await reserved.send("Server")
            try await reserved.expect { $0 == "The name Server is reserved; please choose another:" }
            try await reserved.send("carol\u{1B}[2J")
            try await reserved.expect { $0.hasPrefix("Hello carol^[[2J") }
            try await first.send("/who")
            try await first.expect { $0 == "In the room (4): alice, ALICE2, carol^[[2J, USR" }
            try await empty.send(quitCommand)
            try await empty.expectClosed()
            try await first.expect { $0 == "USR left the chat" }
        }
        let leaves = try recordedEvents(db).filter { $0.kind == .leave }
        #expect(leaves.first?.user == "USR" && leaves.first?.reason == .quit)
    }

    @Test("a name changed on the way in is explained: empty, too long, with spaces, taken")
    func nameChangesExplained() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let empty = try await TestClient.join(port: server.port, as: "   ")
            try await empty.expect { $0 == "You gave no name, so you are USR." }
            let spaced = try await TestClient.join(port: server.port, as: "alice smith")
            try await spaced.expect {
                $0 == "Names are at most 24 characters (64 bytes), without spaces: you are alice_smith."
            }
            let long = try await TestClient.join(port: server.port, as: "abcdefghijklmnopqrstuvwxyz")
            try await long.expect {
                $0 == "Names are at most 24 characters (64 bytes), without spaces: you are abcdefghijklmnopqrstuvwx."
            }
            let both = try await TestClient.join(port: server.port, as: "alice  smith")
            try await both.expect {
                $0
                    == "Names are at most 24 characters (64 bytes), without spaces, and alice_smith is taken: you are alice_smith2."
            }
            let again = try await TestClient.join(port: server.port, as: "")
            try await again.expect { $0 == "You gave no name, and USR is taken, so you are USR2." }
            // The next line is a message, and the member knows under which name it went out.
            try await spaced.send("hi")
            try await spaced.expect { $0 == "alice_smith: hi" }
        }
    }

    @Test("a newcomer who gives no name in time gets the default name")
    func nameTimeout() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var configuration = ServerConfiguration.testing(database: dir.file("chat.sqlite"))
        configuration.nameTimeoutSeconds = 0.2
        try await withServer(configuration) { server in
            let silent = try await TestClient.connect(port: server.port)
            try await silent.expect { $0.hasPrefix("Hello USR!") }
            try await silent.expect { $0 == "USR joined the chat" }
        }
    }

    @Test("history: a newcomer gets the recent events, marked with times, also after a restart")
    func historyAfterRestart() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            for index in 1...3 { try await alice.send("message \(index)") }
            try await alice.expect { $0 == "alice: message 3" }
        }
        var configuration = ServerConfiguration.testing(database: db)
        configuration.history = 4
        try await withServer(configuration) { server in
            let bob = try await TestClient.connect(port: server.port)
            try await bob.send("bob")
            try await bob.expect { $0 == "--- recent history: 4 events (UTC) ---" }
            var history: [String] = []
            while let line = try await bob.next(), line != "--- end of history ---" { history.append(line) }
            #expect(history.count == 4)
            #expect(history[0].hasSuffix("] alice: message 1"))
            #expect(history[3].hasSuffix("] alice left the chat (server shutdown)"))
            #expect(
                history.allSatisfy {
                    $0.range(of: #"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] "#, options: .regularExpression) != nil
                })
            try await bob.expect { $0 == "bob joined the chat" }
        }
        let sessions = try EventReader(path: db).sessions()
        #expect(sessions.map(\.state) == [.clean, .clean])
    }

    @Test("lines sent with the name in one packet wait for the history, then are handled in order")
    func linesBehindTheName() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            try await alice.send("before carol")
            try await alice.expect { $0 == "alice: before carol" }
            let carol = try await TestClient.connect(port: server.port)
            try await carol.send(bytes: Array("carol\nfirst\n/who\nsecond\n{quit}\nnever\n".utf8))
            // Carol: her welcome and the history first, the answer to /who after them, and before her
            // goodbye the echo of all she sent and her own leave: nothing she sent is lost to her.
            let lines = try await carol.expectClosed()
            let order = [
                "Hello carol!", "] alice: before carol", "--- end of history ---", "In the room (2)",
                "carol: second", "carol left the chat", "Goodbye!",
            ]
            let positions = order.map { wanted in lines.firstIndex { $0.contains(wanted) } }
            #expect(positions.allSatisfy { $0 != nil }, "\(lines)")
            #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "\(lines)")
            // Everyone else: her join, her lines in order, her leave; nothing after the quit.
            for expected in ["carol joined the chat", "carol: first", "carol: second", "carol left the chat"] {
                let line = try await alice.next()
                #expect(line == expected)
            }
        }
        let carols = try recordedEvents(db).filter { $0.user == "carol" }
        #expect(carols.map(\.kind) == [.join, .message, .message, .leave])
        #expect(carols.filter { $0.kind == .message }.map(\.text) == ["first", "second"])
        #expect(carols.last?.reason == .quit)
    }

    @Test("--history 0 sends no history")
    func historyOff() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var configuration = ServerConfiguration.testing(database: dir.file("chat.sqlite"))
        configuration.history = 0
        try await withServer(configuration) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            try await alice.expect { $0 == "alice joined the chat" }
            let bob = try await TestClient.join(port: server.port, as: "bob")
            let line = try await bob.next()
            #expect(line == "bob joined the chat")
        }
    }

    @Test("shutdown: every client is told, leaves are recorded as server shutdown, the session is clean")
    func shutdownNotice() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let clients = try await withServer(database: db) { server in
            var clients: [TestClient] = []
            for name in ["a", "b", "c"] {
                let client = try await TestClient.join(port: server.port, as: name)
                try await client.expect { $0 == "\(name) joined the chat" }
                clients.append(client)
            }
            // One more that never gives a name: it is told too.
            let nameless = try await TestClient.connect(port: server.port)
            try await nameless.expect { $0.hasPrefix("Welcome") }
            return clients + [nameless]
        }
        for client in clients {
            let lines = try await client.received
            #expect(lines.contains("*** The server is shutting down. Goodbye!"))
            try await client.expectClosed()
        }
        let leaves = try recordedEvents(db).filter { $0.kind == .leave }
        #expect(leaves.count == 3 && leaves.allSatisfy { $0.reason == .serverShutdown })
        #expect(try EventReader(path: db).sessions().first?.state == .clean)
    }

    @Test("--max-clients: one more gets a polite refusal and is closed")
    func maxClients() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var configuration = ServerConfiguration.testing(database: dir.file("chat.sqlite"))
        configuration.maxClients = 2
        try await withServer(configuration) { server in
            _ = try await TestClient.join(port: server.port, as: "a")
            _ = try await TestClient.join(port: server.port, as: "b")
            let third = try await TestClient.connect(port: server.port)
            let lines = try await third.expectClosed()
            #expect(lines == ["Sorry, the room is full (2 people). Please try again later."])
        }
    }

    @Test("50 clients joining at the same instant all get in, with distinct names, in one order")
    func fiftyAtOnce() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let clients = try await withThrowingTaskGroup(of: TestClient.self) { group in
                for _ in 0..<50 { group.addTask { try await TestClient.join(port: server.port, as: "twin") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let observer = try await TestClient.join(port: server.port, as: "observer")
            try await observer.send("/who")
            let who = try await observer.expect { $0.hasPrefix("In the room") }
            #expect(who.hasPrefix("In the room (51): "))
            let expected = Set(["twin"] + (2...50).map { "twin\($0)" })
            let names = Set(
                who.split(separator: ":", maxSplits: 1)[1].split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                })
            #expect(names == expected.union(["observer"]))
            // Everyone sees the same events in the same order: the database's id order.
            try await clients[0].send("last")
            for client in clients { try await client.expect { $0.hasSuffix(": last") } }
        }
        let events = try recordedEvents(db)
        #expect(events.filter { $0.kind == .join }.count == 51)
    }
}

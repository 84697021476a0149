import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// Rooms, private messages and renames, over real sockets with a real database.
@Suite("Rooms, private messages and names that change", .timeLimit(.minutes(1)))
struct RoomsTests {
    @Test("two rooms are isolated: a message never reaches a non-member; each room's history is its own")
    func roomsAreIsolated() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await alice.send("/join dev")
            try await alice.expect { $0.hasPrefix("*** You are in #dev now (1 here: alice)") }
            try await alice.expect { $0 == "alice joined the chat" }
            try await alice.send("only for dev")
            try await alice.expect { $0 == "alice: only for dev" }
            // bob, only in main, sees main's next line and never dev's.
            try await alice.send("/switch main")
            try await alice.expect { $0 == "*** Lines you type go to #main now." }
            try await alice.send("for main")
            let seen = try await bob.expect { $0.hasSuffix("for main") }
            #expect(seen == "alice: for main")
            // A newcomer to dev gets dev's history only.
            let carol = try await TestClient.join(port: server.port, as: "carol")
            try await carol.send("/join #DEV")
            try await carol.expect { $0.hasPrefix("*** You are in #dev now (2 here: alice, carol)") }
            try await carol.expect { $0 == "--- recent history: 2 events (UTC) ---" }
            try await carol.expect { $0.hasSuffix("] alice joined the chat") }
            try await carol.expect { $0.hasSuffix("] alice: only for dev") }
            try await carol.expect { $0 == "--- end of history ---" }
            // alice, now in two rooms with main current, sees dev's lines marked with the room.
            try await carol.send("hi dev")
            try await alice.expect { $0 == "[#dev] carol: hi dev" }
            try await bob.send("/quit")
            let lastWords = try await bob.expectClosed()
            #expect(!lastWords.contains { $0.contains("dev") }, "bob saw something of #dev: \(lastWords)")
        }
        let events = try recordedEvents(db)
        let dev = events.filter { $0.room == "dev" }
        #expect(dev.map(\.kind) == [.join, .message, .join, .message, .leave, .leave])
        #expect(!events.contains { $0.room == "main" && $0.text == "only for dev" })
    }

    @Test("one room only: every line looks as it did before rooms; /who, /rooms and /topic answer")
    func singleRoomUnchanged() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            try await alice.expect { $0 == "alice joined the chat" }
            try await alice.send("hi")
            try await alice.expect { $0 == "alice: hi" }
            try await alice.send("/who")
            try await alice.expect { $0 == "In the room (1): alice" }
            try await alice.send("/topic")
            try await alice.expect { $0 == "#main has no topic; /topic TEXT sets one." }
            // The next line, sent at once, already sees the new topic.
            try await alice.send("/topic plans for friday")
            try await alice.send("/topic")
            try await alice.expect { $0 == "alice set the topic: plans for friday" }
            try await alice.expect { $0.hasPrefix("Topic of #main: plans for friday (set by alice, ") }
            try await alice.send("/rooms")
            try await alice.expect { $0 == "Rooms (1):" }
            try await alice.expect { $0 == "  #main (1 person): plans for friday" }
            try await alice.send("/topic")
            try await alice.expect { $0.hasPrefix("Topic of #main: plans for friday (set by alice, ") }
        }
    }

    @Test("private messages: seen by exactly the two, on their connections only; to nobody: an error, nothing stored")
    func privateMessages() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            let bob = try await TestClient.join(port: server.port, as: "bob")
            let carol = try await TestClient.join(port: server.port, as: "carol")
            try await alice.expect { $0 == "carol joined the chat" }
            try await alice.send("/msg BOB the key is under the mat")
            try await alice.expect { $0 == "alice to bob (private): the key is under the mat" }
            try await bob.expect { $0 == "alice to bob (private): the key is under the mat" }
            try await alice.send("/msg dave hello?")
            try await alice.expect { $0 == "error: nobody called dave is here; the message was not sent." }
            try await alice.send("public again")
            let seen = try await carol.expect { $0.hasSuffix("public again") }
            #expect(seen == "alice: public again")
            try await carol.send("/quit")
            let carolSaw = try await carol.expectClosed()
            #expect(!carolSaw.contains { $0.contains("under the mat") })
        }
        let events = try recordedEvents(db)
        #expect(!events.contains { $0.text.contains("under the mat") }, "exports leave private messages out")
        let all = try EventReader(path: db).events(EventFilter(includePrivate: true))
        let secret = try #require(all.first { $0.text.contains("under the mat") })
        #expect(secret.recipient == "bob" && secret.user == "alice" && secret.room == Room.privateName)
        #expect(!all.contains { $0.text == "hello?" })
    }

    @Test("/nick: taken and reserved names are refused; a rename is announced in every room and recorded")
    func renames() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await alice.send("/join dev")
            try await alice.expect { $0 == "alice joined the chat" }
            try await alice.send("/nick BOB")
            try await alice.expect { $0 == "error: the name BOB is taken; you keep your name." }
            try await alice.send("/nick admin")
            try await alice.expect { $0.hasPrefix("The name admin is reserved") }
            try await alice.send("/nick alicia")
            // One rename event in each room alice is in, in whichever order the rooms' fan-outs come.
            let first = try await alice.expect { $0.hasSuffix("alice is now known as alicia") }
            let second = try await alice.expect { $0.hasSuffix("alice is now known as alicia") }
            #expect(Set([first, second]) == ["alice is now known as alicia", "[#main] alice is now known as alicia"])
            try await bob.expect { $0 == "alice is now known as alicia" }
            try await alice.send("still me")
            try await alice.expect { $0 == "alicia: still me" }
            // The old name is free again.
            let another = try await TestClient.join(port: server.port, as: "alice")
            try await another.expect { $0 == "alice joined the chat" }
        }
        let renames = try recordedEvents(db).filter { $0.kind == .rename }
        #expect(renames.map(\.room).sorted() == ["dev", "main"])
        #expect(renames.allSatisfy { $0.user == "alice" && $0.text == "alicia" })
    }

    @Test("limits: bad names, rooms per member, rooms per server, making rooms in a loop; /part of the last room")
    func limits() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var configuration = ServerConfiguration.testing(database: dir.file("chat.sqlite"))
        configuration.maxRooms = 4
        configuration.maxRoomsPerMember = 3
        try await withServer(configuration) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            try await alice.send("/join bad room!")
            try await alice.expect { $0.hasPrefix("error: room names may hold letters, digits") }
            try await alice.send("/join \(String(repeating: "x", count: 33))")
            try await alice.expect { $0 == "error: room names are at most 32 characters." }
            try await alice.send("/part")
            try await alice.expect { $0.hasPrefix("error: #main is your only room") }
            for room in ["a", "b"] {
                try await alice.send("/join \(room)")
                try await alice.expect { $0.hasPrefix("*** You are in #\(room) now") }
            }
            try await alice.send("/join c")
            try await alice.expect { $0 == "error: you are in 3 rooms, the limit; /part one first." }
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await bob.send("/join c")
            try await bob.expect { $0.hasPrefix("*** You are in #c now") }
            try await bob.send("/join d")
            try await bob.expect { $0.hasPrefix("error: the server has 4 rooms, its limit") }
        }
        // One client making rooms in a loop is refused after a few, well before the server's limit.
        let dir2 = TemporaryDirectory()
        defer { dir2.remove() }
        try await withServer(database: dir2.file("chat.sqlite")) { server in
            let maker = try await TestClient.join(port: server.port, as: "maker")
            for number in 0..<8 {
                try await maker.send("/join loop\(number)")
                try await maker.send("/part")
            }
            try await maker.expect { $0.hasPrefix("error: you are making new rooms too fast; try again in") }
        }
    }

    @Test("resume across a drop while three rooms are busy: each room's missed events exactly once, in order")
    func resumeAcrossRooms() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let rooms = ["main", "dev", "ops"]
            // The talker is in all three rooms and keeps talking while the reader is away.
            let talker = try await TestClient.join(port: server.port, as: "talker")
            for room in rooms.dropFirst() {
                try await talker.send("/join \(room)")
                try await talker.expect { $0 == "talker joined the chat" }
            }
            // The reader joins the three rooms, notes the last id of each, and drops.
            var seen: [String: Int64] = [:]
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "reader") { chat in
                for room in rooms.dropFirst() { try await chat.send(.join(room: room)) }
                var joined = 0
                while joined < 3, let message = try await chat.next() {
                    if case .event(let event, _) = message {
                        seen[event.room] = event.id
                        if event.kind == .join, event.user == "reader" { joined += 1 }
                    }
                }
                chat.sender.abort()
            }
            for number in 1...30 {
                let room = rooms[number % 3]
                try await talker.send("/switch \(room)")
                try await talker.send("\(room) \(number)")
            }
            try await talker.send("/switch main")
            try await talker.send("done")
            try await talker.expect { $0 == "talker: done" }
            // Back, resuming every room.
            let resumes = rooms.map { RoomResume(room: $0, resumeAfter: seen[$0]) }
            try await ChatConnection.withConnection(
                host: "127.0.0.1", port: server.port, name: "reader", rooms: resumes
            ) { chat in
                var got: [String: [String]] = [:]
                var ids: [String: [Int64]] = [:]
                var ended = 0
                while ended < 3, let message = try await chat.next() {
                    switch message {
                    case .event(let event, true):
                        ids[event.room, default: []].append(event.id)
                        if event.kind == .message { got[event.room, default: []].append(event.text) }
                    case .historyEnd: ended += 1
                    default: break
                    }
                }
                for (index, room) in rooms.enumerated() {
                    let expected = (1...30).filter { $0 % 3 == index }.map { "\(room) \($0)" }
                    #expect(got[room, default: []].filter { !$0.hasPrefix("done") } == expected, "\(room)")
                    #expect(ids[room, default: []] == ids[room, default: []].sorted(), "\(room) in id order")
                    #expect(Set(ids[room, default: []]).count == ids[room, default: []].count, "\(room) nothing twice")
                    #expect(ids[room, default: []].allSatisfy { $0 > seen[room, default: 0] }, "\(room) nothing old")
                }
            }
        }
    }

    @Test("--exit-when-empty: the server stops by itself once the last member leaves, its session closed clean")
    func exitWhenEmpty() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try await RunningServer(database: db) { $0.exitWhenEmpty = true }
        let alice = try await TestClient.join(port: server.port, as: "alice")
        let bob = try await TestClient.join(port: server.port, as: "bob")
        try await bob.send("/quit")
        _ = try await bob.expectClosed()
        try await alice.send("still here")
        try await alice.expect { $0 == "alice: still here" }
        try await alice.send("/quit")
        _ = try await alice.expectClosed()
        // The server stops listening by itself; stop() then only waits for its run to return.
        let port = server.port
        try await eventually(within: 10, "the server to stop by itself") {
            guard let client = try? await TestClient.connect(port: port) else { return true }
            await client.close()
            return false
        }
        try await server.stop()
        let sessions = try EventReader(path: db).sessions()
        #expect(sessions.map(\.state) == [.clean])
    }
}

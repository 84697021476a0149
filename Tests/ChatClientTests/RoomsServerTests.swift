import ChatClient
import ChatModel
import ChatProtocol
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// chat-client in several rooms of a real server: resume per room, the prompt, pipe labels.
@Suite("rooms against a real server", .timeLimit(.minutes(2)))
struct RoomsServerTests {
    /// Per room: the shown events of `room` are exactly the recorded ones between the first and
    /// the last shown, in order, each once.
    func expectExactlyOnce(
        _ shown: [Event], room: String, database: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let ids = shown.filter { Room.key($0.room) == Room.key(room) && !$0.isPrivate }.map(\.id)
        #expect(
            ids == ids.sorted() && Set(ids).count == ids.count, "\(room): out of order or twice: \(ids)",
            sourceLocation: sourceLocation)
        guard let first = ids.first, let last = ids.last else {
            Issue.record("nothing shown of \(room)", sourceLocation: sourceLocation)
            return
        }
        let recorded = try recordedEvents(database).filter {
            Room.key($0.room) == Room.key(room) && (first...last).contains($0.id)
        }.map(\.id)
        #expect(
            ids == recorded, "\(room): missing \(Set(recorded).subtracting(ids).sorted())",
            sourceLocation: sourceLocation)
    }

    @Test("a client in three busy rooms, dropped twice: each room resumes with nothing missed and nothing twice")
    func threeRoomsDropped() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            let alice = SessionHarness(port: server.port, name: "alice")
            try await alice.waitFor("alice's join") {
                if case .event(let event, nil) = $0 { return event.kind == .join && event.user == "alice" }
                return false
            }
            try await alice.join("dev")
            try await alice.join("ops")
            let rooms = ["main", "dev", "ops"]
            let texts = Dictionary(
                uniqueKeysWithValues: rooms.map { room in (room, (0..<200).map { "\(room) \($0)" }) })
            let talkers = rooms.enumerated().map { index, room in
                Task { try await talk(port: server.port, as: "talker\(index)", in: room, texts[room]!) }
            }
            try await alice.waitForMessage("dev 30")
            alice.session.dropConnection()
            try await alice.waitFor("the first resumed join") {
                if case .joined(_, _, resumed: true) = $0 { return true }
                return false
            }
            try await alice.waitForMessage("ops 120")
            alice.session.dropConnection()
            try await alice.waitFor("the second resumed join") { _ in
                alice.outputs.filter {
                    if case .joined(_, _, resumed: true) = $0 { return true }
                    return false
                }.count == 2
            }
            for talker in talkers { try await talker.value }
            for room in rooms { try await alice.waitForMessage("\(room) 199") }
            #expect(try await alice.quit() == .quit)
            for room in rooms {
                #expect(alice.shownTexts(in: room) == texts[room]!, "\(room)")
                try expectExactlyOnce(alice.shownEvents, room: room, database: db)
            }
            let ids = alice.shownEvents.map(\.id)
            #expect(Set(ids).count == ids.count, "no event shown twice")
            let warnings = alice.outputs.filter {
                if case .info(let text) = $0 { return text.hasPrefix("warning") }
                return false
            }
            #expect(warnings.isEmpty, "no id taken for out of order across rooms: \(warnings)")
            #expect(Set(alice.session.marks.rooms.map(Room.key)) == Set(rooms))
            let caughtUp = Set(
                alice.outputs.compactMap { output -> String? in
                    if case .event(let event, .catchUp) = output { return event.room }
                    return nil
                })
            #expect(!caughtUp.isEmpty, "the drops came while rooms were busy: something was caught up")
        }
    }

    @Test("a server restart with the client in two rooms: what each room said meanwhile is shown once")
    func restartTwoRooms() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let first = try await RunningServer(database: db)
        let port = first.port
        let gate = Gate()
        let alice = SessionHarness(port: port, name: "alice") { $0.beforeReconnect = { await gate.wait() } }
        try await alice.waitFor("alice's join") {
            if case .event(let event, nil) = $0 { return event.kind == .join && event.user == "alice" }
            return false
        }
        try await alice.join("dev")
        try await talk(port: port, as: "bob", in: "dev", ["dev before"])
        try await alice.waitForMessage("dev before")
        try await first.stop()
        let second = try await RunningServer(database: db, port: port)
        try await talk(port: port, as: "carol", in: "main", (0..<20).map { "main during \($0)" })
        try await talk(port: port, as: "carol", in: "dev", (0..<20).map { "dev during \($0)" })
        gate.open()
        try await alice.waitFor("the resumed join") {
            if case .joined(_, _, resumed: true) = $0 { return true }
            return false
        }
        try await alice.waitForMessage("main during 19")
        try await alice.waitForMessage("dev during 19")
        alice.send(.say("back", room: "dev"))
        try await alice.waitForMessage("back")
        #expect(try await alice.quit() == .quit)
        try await second.stop()
        #expect(alice.shownTexts(in: "main") == (0..<20).map { "main during \($0)" })
        #expect(alice.shownTexts(in: "dev") == ["dev before"] + (0..<20).map { "dev during \($0)" } + ["back"])
        try expectExactlyOnce(alice.shownEvents, room: "main", database: db)
        try expectExactlyOnce(alice.shownEvents, room: "dev", database: db)
        #expect(try recordedEvents(db).contains { $0.room == "dev" && $0.user == "alice" && $0.text == "back" })
    }

    @Test("private messages: shown to both, not again after a reconnect (the token and the private mark), then on")
    func privateMessages() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            let gate = Gate()
            let alice = SessionHarness(port: server.port, name: "alice") { $0.beforeReconnect = { await gate.wait() } }
            try await alice.waitFor("alice's join") {
                if case .event(let event, nil) = $0 { return event.kind == .join && event.user == "alice" }
                return false
            }
            let bob = SessionHarness(port: server.port, name: "bob")
            try await alice.waitFor("bob's join") {
                if case .event(let event, nil) = $0 { return event.kind == .join && event.user == "bob" }
                return false
            }
            bob.send(.msg(to: "alice", text: "psst"))
            try await alice.waitForMessage("psst")
            try await bob.waitForMessage("psst")
            alice.session.dropConnection()
            try await alice.waitFor("a reconnection pending") {
                if case .reconnecting = $0 { return true }
                return false
            }
            gate.open()
            try await alice.waitFor("the resumed join") {
                if case .joined(_, _, resumed: true) = $0 { return true }
                return false
            }
            try await alice.waitFor("alice's join again") { _ in
                alice.shownEvents.filter { $0.kind == .join && $0.user == "alice" }.count == 2
            }
            bob.send(.msg(to: "alice", text: "welcome back"))
            try await alice.waitForMessage("welcome back")
            alice.send(.msg(to: "bob", text: "thanks"))
            try await bob.waitForMessage("thanks")
            try await alice.waitForMessage("thanks")  // her own copy may come after bob's
            #expect(alice.shownEvents.filter(\.isPrivate).map(\.text) == ["psst", "welcome back", "thanks"])
            #expect(bob.shownEvents.filter(\.isPrivate).map(\.text) == ["psst", "welcome back", "thanks"])
            let psst = try #require(alice.shownEvents.first { $0.isPrivate })
            let line = OutputFormatter(styled: false, color: false).lines(
                .event(psst, history: nil), labels: { _ in true })
            #expect(line == ["bob to alice (private): psst"], "no room label on a private message")
            #expect(try await alice.quit() == .quit)
            #expect(try await bob.quit() == .quit)
        }
    }

    @Test("/nick: the new name is the one a reconnect says hello with, in every room")
    func renameThenReconnect() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            let alice = SessionHarness(port: server.port, name: "alice")
            try await alice.waitFor("alice's join") {
                if case .event(let event, nil) = $0 { return event.kind == .join && event.user == "alice" }
                return false
            }
            try await alice.join("dev")
            alice.send(.nick("al"))
            try await alice.waitFor("the rename") { $0 == .renamed(from: "alice", to: "al") }
            alice.session.dropConnection()
            try await alice.waitFor("the resumed join") {
                if case .joined(let welcome, _, resumed: true) = $0 { return welcome.name == "al" }
                return false
            }
            alice.send(.say("still here", room: "dev"))
            try await alice.waitForMessage("still here")
            #expect(try await alice.quit() == .quit)
            let renames = alice.shownEvents.filter { $0.kind == .rename }.map(\.room).sorted()
            #expect(renames == ["dev", "main"], "one rename event in each room")
            #expect(try recordedEvents(db).contains { $0.user == "al" && $0.room == "dev" && $0.text == "still here" })
        }
    }

    @Test("/part: the room is left on the server and forgotten by the client; a reconnect does not bring it back")
    func partThenReconnect() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let alice = SessionHarness(port: server.port, name: "alice")
            try await alice.join("dev")
            try await alice.join("ops")
            alice.send(.part(room: "dev"))
            try await alice.waitFor("the part") {
                if case .event(let event, nil) = $0 { return event.kind == .leave && event.reason == .part }
                return false
            }
            #expect(alice.session.marks.rooms.map(Room.key) == ["main", "ops"])
            alice.session.dropConnection()
            try await alice.waitFor("the resumed join") {
                if case .joined(_, _, resumed: true) = $0 { return true }
                return false
            }
            try await talk(port: server.port, as: "bob", in: "dev", ["not for alice"])
            try await talk(port: server.port, as: "bob", in: "ops", ["for alice"])
            try await alice.waitForMessage("for alice")
            #expect(!alice.shownTexts.contains("not for alice"))
            #expect(try await alice.quit() == .quit)
        }
    }

    @Test("pipe mode: unlabelled while one room is involved, every line labelled from the second room on")
    func pipeLabels() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let client = try ClientProcess(["--port", "\(server.port)", "--name", "piper"])
            try await client.output.waitFor("piper's join") { $0.contains("piper joined the chat\n") }
            try await talk(port: server.port, as: "bob", in: "main", ["one room"])
            try await client.output.waitFor("bob's line") { $0.contains("\nbob: one room\n") }
            try client.type("/join dev")
            try client.type("hello dev")
            try await client.output.waitFor("piper's line in dev") { $0.contains("\n[#dev] piper: hello dev\n") }
            try await talk(port: server.port, as: "bob", in: "main", ["two rooms"])
            try await client.output.waitFor("bob's labelled line") { $0.contains("\n[#main] bob: two rooms\n") }
            try client.closeInput()
            #expect(try await client.exitStatus() == 0)
            let lines = client.output.text.split(separator: "\n").map(String.init)
            #expect(lines.contains("piper joined the chat"), "\(lines)")
            #expect(lines.contains("[#dev] piper joined the chat"), "\(lines)")
            #expect(!lines.contains { $0.hasPrefix("[#") && $0.contains("one room") }, "\(lines)")
        }
    }

    @Test("in a terminal: /join shows the room in the prompt, another room's messages are counted; Alt+1 goes back")
    func terminalPrompt() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let client = try TerminalClient(["--port", "\(server.port)", "--name", "alice"])
            try await client.waitForScreen("the prompt in main") { $0.cursorLine == "[#main] alice>" }
            client.type("/join dev\r")
            try await client.waitForScreen("the prompt in dev") { $0.cursorLine == "[#dev] alice>" }
            try await talk(port: server.port, as: "bob", in: "main", ["lunch?", "anyone?"])
            try await client.waitForScreen("two unread in main") { $0.cursorLine == "[#dev] (main 2) alice>" }
            #expect(client.screen.lines.contains { $0.hasSuffix("[#main] bob: anyone?") })
            client.type("\u{1B}1")
            try await client.waitForScreen("Alt+1: main") { $0.cursorLine == "[#main] alice>" }
            client.type("/nick al\r")
            try await client.waitForScreen("the new name in the prompt") { $0.cursorLine == "[#main] al>" }
            try await client.waitForLine(endingWith: "[#dev] alice is now known as al")
            client.type("/msg bob hi\r")
            try await client.waitForScreen("the refusal, said once") {
                $0.lines.contains { $0.hasPrefix("*** error: ") && $0.contains("bob") && !$0.contains("error: error") }
            }
            client.type("\u{03}")
            #expect(try await client.exitStatus() == 0)
        }
    }
}

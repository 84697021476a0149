import ChatModel
import ChatProtocol
import Testing

@testable import ChatClient

/// Rooms in the client without a server: per-room resume marks, the prompt's label and unread
/// counts, Alt+digit, the commands, the pipe's labels.
@Suite("rooms in the client")
struct RoomsUnitTests {
    func event(_ id: Int64, _ room: String, kind: EventKind = .message, user: String = "bob", to: String? = nil)
        -> Event
    {
        Event(
            id: id, kind: kind, room: to == nil ? room : Room.privateName, user: user, text: "t\(id)",
            timeMillis: 1_795_000_000_000, session: 1, reason: kind == .leave ? .part : nil, recipient: to)
    }

    @Test("each room is judged by its own ids: a room's catch-up after another's with higher ids is not out of order")
    func marksPerRoom() {
        var marks = RoomMarks()
        marks.enter("main")
        marks.enter("dev")
        #expect(marks.current == "main")
        #expect(marks.privateAfter == nil)
        #expect(marks.judge(event(40, "dev")) == .new)
        #expect(marks.judge(event(30, "main")) == .new, "lower than dev's, but main's first")
        #expect(marks.judge(event(41, "Dev")) == .new, "room names compare without case")
        #expect(marks.privateAfter == 41, "before any private message: every one up to the highest id shown came")
        #expect(marks.judge(event(40, "dev")) == .duplicate)
        #expect(marks.judge(event(42, "", to: "alice")) == .new)
        #expect(marks.judge(event(42, "", to: "alice")) == .duplicate)
        #expect(marks.lastShown(in: "dev") == 41 && marks.lastShown(in: "MAIN") == 30)
        #expect(marks.privateAfter == 42)
        guard case .suspicious = marks.judge(event(35, "dev")) else {
            Issue.record("an older id within one room is still out of order")
            return
        }
    }

    @Test("a reconnect names every room with its own mark, the current one last; a part forgets the room")
    func resumes() {
        var marks = RoomMarks()
        for room in ["main", "dev", "ops"] { marks.enter(room) }
        _ = marks.judge(event(5, "main"))
        _ = marks.judge(event(9, "ops"))
        let madeCurrent = marks.makeCurrent("DEV")
        let notIn = marks.makeCurrent("nowhere")
        #expect(madeCurrent && !notIn)
        #expect(
            marks.resumes == [
                RoomResume(room: "main", resumeAfter: 5), RoomResume(room: "ops", resumeAfter: 9),
                RoomResume(room: "dev", resumeAfter: nil),
            ])
        let skipped = marks.skip(room: "dev", to: 7)
        #expect(skipped)
        #expect(marks.resumes.last == RoomResume(room: "dev", resumeAfter: 7))
        marks.leave("dev")
        #expect(marks.rooms == ["main", "ops"] && marks.current == "ops", "the room joined last becomes current")
        #expect(marks.lastShown(in: "dev") == nil)
        marks.enter("dev")
        #expect(marks.judge(event(6, "dev")) == .new, "joined again: its history shows again")
    }

    @Test("a hello: nothing to resume at first; room by room to a server with rooms; one mark to an older one")
    func hellos() {
        var marks = RoomMarks()
        marks.enter("main")
        marks.enter("dev")
        _ = marks.judge(event(3, "main"))
        _ = marks.judge(event(5, "dev"))
        marks.token = "tok"
        let first = HelloPlan(name: "alice", marks: marks, resumed: false, roomsByName: true, welcomeRoom: "main")
        #expect(first.rooms.isEmpty && first.resumeAfter == nil && first.token == nil && !first.catchingUp)
        let rooms = HelloPlan(name: "alice", marks: marks, resumed: true, roomsByName: true, welcomeRoom: "main")
        #expect(rooms.rooms == [RoomResume(room: "dev", resumeAfter: 5), RoomResume(room: "main", resumeAfter: 3)])
        #expect(rooms.resumeAfter == nil && rooms.privateAfter == 5 && rooms.token == "tok" && rooms.catchingUp)
        let old = HelloPlan(name: "alice", marks: marks, resumed: true, roomsByName: false, welcomeRoom: "main")
        #expect(old.resumeAfter == 3 && old.rooms.isEmpty && old.token == nil && old.privateAfter == nil)
    }

    @Test("the prompt names the current room and the unread messages of the others; switching clears them")
    func promptLabel() {
        var tabs = RoomTabs()
        #expect(tabs.label == "")
        tabs.enter("main", makeCurrent: true)
        tabs.enter("dev", makeCurrent: false)
        tabs.enter("ops", makeCurrent: false)
        #expect(tabs.label == "[#main] ")
        for id: Int64 in 1...3 { tabs.count(event(id, "dev")) }
        tabs.count(event(4, "ops", kind: .action))
        tabs.count(event(5, "ops", kind: .join))
        tabs.count(event(6, "main"))
        tabs.count(event(7, "", to: "alice"))
        #expect(tabs.label == "[#main] (dev 3, ops 1) ", "joins, the current room and private messages do not count")
        let switched = tabs.switchTo("dev")
        #expect(switched)
        #expect(tabs.label == "[#dev] (ops 1) ")
        #expect(tabs.room(number: 3) == "ops" && tabs.room(number: 4) == nil && tabs.room(number: 0) == nil)
        #expect(tabs.target == nil, "an older server is sent no room names")
        tabs.serverHasRooms = true
        #expect(tabs.target == "dev")
        tabs.leave("dev")
        #expect(tabs.label == "[#ops] ")
    }

    @Test("Alt+1…9 (ESC and a digit) switch rooms; ESC 0 and a lone ESC are not switches; split reads wait")
    func altDigits() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(Array("\u{1B}1\u{1B}9".utf8)) == [.altDigit(1), .altDigit(9)])
        #expect(decoder.feed(Array("\u{1B}0".utf8)) == [.escape, .character("0")])
        #expect(decoder.feed([0x1B]) == [])
        #expect(decoder.feed(Array("3".utf8)) == [.altDigit(3)])
        #expect(decoder.feed(Array("\u{1B}b\u{1B}[D".utf8)) == [.wordLeft, .left], "Alt+B and arrows as before")
        var editor = LineEditor()
        let action = editor.handle(.altDigit(2))
        #expect(action == .none, "the editor leaves it to the screen")
    }

    @Test(
        "the commands name the current room; /join and /switch check the name",
        arguments: [
            ("hi", UserInput.send(.say("hi", room: "dev"))),
            ("//x", .send(.say("/x", room: "dev"))),
            ("/me waves", .send(.me("waves", room: "dev"))),
            ("/who", .send(.who(room: "dev"))),
            ("/who #ops", .send(.who(room: "ops"))),
            ("/history 5", .send(.history(limit: 5, room: "dev"))),
            ("/join #ops", .join("ops")),
            ("/switch main", .switchTo("main")),
            ("/part", .send(.part(room: "dev"))),
            ("/part ops", .send(.part(room: "ops"))),
            ("/rooms", .send(.rooms)),
            ("/topic", .send(.topic(room: "dev", text: nil))),
            ("/topic release on friday", .send(.topic(room: "dev", text: "release on friday"))),
            ("/msg bob see you at 5", .send(.msg(to: "bob", text: "see you at 5"))),
            ("/nick carol", .send(.nick("carol"))),
        ])
    func commands(line: String, expected: UserInput) {
        #expect(UserInput.parse(line, room: "dev") == expected)
    }

    @Test(
        "room commands with a mistake get a hint",
        arguments: [
            "/join", "/join bad!room", "/switch", "/part #", "/who a b", "/rooms x", "/msg bob", "/nick", "/nick a b",
        ])
    func hints(line: String) {
        guard case .hint(let hint) = UserInput.parse(line, room: "dev") else {
            Issue.record("\(line) was not answered with a hint")
            return
        }
        #expect(!hint.isEmpty)
    }

    @Test("a pipe stays unlabelled with one room; from a second room or a private message on, lines name their room")
    func pipeLabels() {
        let formatter = OutputFormatter(styled: false, color: false)
        var rooms = PipeRooms()
        let welcome = Welcome(name: "alice", session: 1, server: "s", room: "main", token: "t")
        rooms.apply(.joined(welcome, requested: "alice", resumed: false))
        func show(_ output: ClientOutput) -> [String] {
            rooms.apply(output)
            return formatter.lines(output, labels: rooms.labels)
        }
        #expect(show(.event(event(1, "main"), history: nil)) == ["bob: t1"])
        #expect(show(.event(event(2, "dev"), history: nil)) == ["[#dev] bob: t2"])
        #expect(show(.event(event(3, "main"), history: nil)) == ["[#main] bob: t3"])
        #expect(show(.event(event(4, "", to: "alice"), history: nil)) == ["bob to alice (private): t4"])
        var single = PipeRooms()
        single.apply(.event(event(1, "main"), history: nil))
        single.apply(.event(event(2, "", to: "alice"), history: nil))
        #expect(single.labelled, "a private message turns labels on")
        var joining = PipeRooms()
        joining.apply(.joined(welcome, requested: "alice", resumed: false))
        _ = joining.input("/join dev")
        #expect(joining.labels("main") && !joining.labels("dev"), "a room other than the current one is named")
    }

    @Test("in a pipe, /join and /switch send a join and the lines after them go to that room; a part of it ends that")
    func pipeRouting() {
        var rooms = PipeRooms()
        #expect(rooms.input("early") == .send(.say("early")), "before the welcome: the server's current room")
        let welcome = Welcome(name: "alice", session: 1, server: "s", room: "main", token: "t")
        rooms.apply(.joined(welcome, requested: "alice", resumed: false))
        #expect(rooms.input("hi") == .send(.say("hi", room: "main")))
        #expect(rooms.input("/join #dev") == .send(.join(room: "dev")))
        #expect(rooms.input("in dev") == .send(.say("in dev", room: "dev")))
        #expect(rooms.input("/switch main") == .send(.join(room: "main")))
        #expect(rooms.input("/part dev") == .send(.part(room: "dev")))
        rooms.apply(.event(event(8, "main", kind: .leave, user: "alice"), history: .requested))
        #expect(rooms.target == "main", "an old part in a /history answer changes nothing")
        rooms.apply(.event(event(9, "main", kind: .leave, user: "alice"), history: nil))
        #expect(rooms.input("after") == .send(.say("after")), "parted the current room: the server's current one")
        var old = PipeRooms()
        old.apply(
            .joined(Welcome(name: "alice", session: 1, server: "s", room: "main"), requested: "alice", resumed: false))
        #expect(old.input("hi") == .send(.say("hi")), "a server without rooms is sent no room names")
    }

    @Test("labelled lines: the room first in a pipe, after the time on a terminal; private messages marked")
    func labelledLines() {
        let plain = OutputFormatter(styled: false, color: false)
        let styled = OutputFormatter(styled: true, color: false)
        let dev = event(1, "dev")
        #expect(plain.line(dev, history: nil, label: true) == "[#dev] bob: t1")
        #expect(plain.line(dev, history: .join, label: true).hasPrefix("[#dev] ["))
        #expect(styled.line(dev, history: nil, label: true).hasSuffix(" [#dev] bob: t1"))
        #expect(styled.line(event(2, "", to: "alice"), history: nil).hasSuffix(" ✉ bob to alice (private): t2"))
        let colored = OutputFormatter(styled: true, color: true)
        #expect(colored.line(event(2, "", to: "alice"), history: nil).contains("\u{1B}[35m"))
        let other: (String) -> Bool = { Room.key($0) != "main" }
        #expect(plain.lines(.historyBegin(.join, room: "dev"), labels: other) == ["--- history of #dev ---"])
        #expect(plain.lines(.historyBegin(.join, room: "main"), labels: other) == ["--- history ---"])
        #expect(
            plain.lines(.historyBegin(.catchUp, room: "dev"), labels: other) == ["--- missed in #dev while away ---"])
        #expect(
            plain.lines(.historyEnd(.catchUp, count: 2, room: "dev"), labels: other) == [
                "--- caught up in #dev (2) ---"
            ])
        #expect(plain.lines(.who(["a"], room: "dev"), labels: other) == ["*** in #dev (1): a"])
        #expect(plain.lines(.who(["a"], room: "main"), labels: other) == ["*** in the room (1): a"])
        #expect(
            plain.lines(.roomJoined(room: "dev", topic: "ship it", names: ["alice", "bob"]))
                == ["*** now in #dev (2): alice, bob; topic: ship it"])
        #expect(
            plain.lines(
                .roomList([RoomSummary(name: "main", members: 1), RoomSummary(name: "dev", members: 2, topic: "x")]))
                == ["*** rooms (2):", "***   #main, 1 person", "***   #dev, 2 people: x"])
        #expect(plain.lines(.topic(room: "dev", text: "", by: nil)) == ["*** #dev has no topic"])
        #expect(plain.lines(.topic(room: "dev", text: "x", by: "bob")) == ["*** topic of #dev: x (set by bob)"])
        #expect(plain.lines(.renamed(from: "alice", to: "al")) == [], "the rename event says it")
        #expect(plain.lines(.who([], room: "dev"), labels: other) == ["*** nobody is in #dev"])
        #expect(plain.lines(.serverError("error: no")) == ["*** error: no"])
        #expect(plain.lines(.serverError("no")) == ["*** error: no"])
    }
}

import ChatCore
import ChatModel
import ChatStore
import Testing

/// Watch mode (`JoinRequest.watch`): everything a member receives, nothing of a member's place.
@Suite("Core: watchers", .timeLimit(.minutes(1)))
struct WatchTests {
    func watch(_ name: String) -> DoorInput { .request(.join(JoinRequest(name: name, watch: true))) }

    @Test("a watcher's join: welcome, catch-up, live at once; no join recorded, no name taken")
    func watcherJoins() {
        let room = ChatDirectory(makeToken: { "t" })
        _ = room.admit(7, as: "alice").name
        _ = room.enter(7, named: "alice", room: "main", maxRooms: 10)
        var machine = ConnectionStateMachine(
            connection: 1, directory: room, session: 9, configuration: CoreConfiguration()
        ) { 0 }
        _ = machine.start()
        let asked = machine.lineRead(watch("alice"))
        #expect(asked == [.cancelNameTimer, .enter(room: "main", resumeAfter: nil, history: nil)])
        #expect(room.names() == ["alice"], "the watcher takes no name, so nobody is numbered")
        let history = [Event(id: 4, kind: .message, user: "bob", text: "hi", timeMillis: 0, session: 1)]
        let caught = machine.caughtUp(CatchUp(events: history, gap: nil, resumeAfter: nil))
        #expect(
            caught == [
                .send(.welcome(name: "alice", requested: "alice", session: 9, room: "main")),
                .send(.history(HistoryBlock(purpose: .catchUp, events: history))),
                .goLive(room: "main", seenThrough: 4),
                .roomsChanged(current: "main", rooms: ["main"]),
                .read,
            ])
        guard case .live(let member, waiting: nil) = machine.state else {
            Issue.record("not live: \(machine.state)")
            return
        }
        #expect(member.watching)
    }

    @Test("a watcher's say and me are refused (watch_only); who, history, help work; quit and close record nothing")
    func watcherRequests() {
        let room = ChatDirectory(makeToken: { "t" })
        var machine = ConnectionStateMachine(
            connection: 1, directory: room, session: 9, configuration: CoreConfiguration()
        ) { 0 }
        _ = machine.start()
        _ = machine.lineRead(watch("ears"))
        _ = machine.caughtUp(CatchUp(events: [], gap: nil, resumeAfter: nil))
        #expect(machine.lineRead(.request(.say("hi"))) == [.send(.error(.watchOnly))])
        #expect(machine.lineRead(.request(.act("waves"))) == [.send(.error(.watchOnly))])
        #expect(machine.lineRead(.request(.who())) == [.send(.who(names: []))])
        #expect(machine.lineRead(.request(.help)) == [.send(.help)])
        #expect(machine.lineRead(.request(.history(5))) == [.readHistory(room: "main", limit: 5)])
        #expect(machine.historyRead([]) == [.send(.history(HistoryBlock(purpose: .request, events: []))), .read])
        #expect(machine.lineRead(.request(.quit())) == [.leaveServer(name: "ears"), .finish(.goodbye)])
        #expect(machine.channelInactive() == [.closed(.quit)])

        var lost = ConnectionStateMachine(
            connection: 2, directory: room, session: 9, configuration: CoreConfiguration()
        ) { 0 }
        _ = lost.start()
        _ = lost.lineRead(watch("ears"))
        _ = lost.caughtUp(CatchUp(events: [], gap: nil, resumeAfter: nil))
        #expect(lost.channelInactive() == [.leaveServer(name: "ears"), .closed(.connectionLost)])
    }

    @Test("on a real store: a watcher records nothing, is not in who, numbers nobody, reads the room")
    func watcherOnStore() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let watcher = CoreDriver(harness, connection: 1)
        await watcher.apply { $0.start() }
        await watcher.send(watch("alice"))
        #expect(watcher.name == "alice")
        #expect(watcher.seenThrough != nil, "the watcher went live")
        let alice = try await CoreDriver.joined(harness, connection: 2, as: "alice")
        #expect(alice.name == "alice", "the watcher took no name")
        await alice.send(.request(.say("hello")))
        await watcher.send(.request(.say("not sent")))
        #expect(watcher.replies.last == .error(.watchOnly))
        await watcher.send(.request(.who()))
        #expect(watcher.replies.last == .who(names: ["alice"]))
        await watcher.send(.request(.history(10)))
        guard case .history(let block) = watcher.replies.last else {
            Issue.record("no history: \(watcher.replies)")
            return
        }
        #expect(block.events.map(\.text).contains("hello"))
        await watcher.send(.request(.quit()))
        #expect(watcher.finished == [.goodbye])
        await watcher.apply { $0.channelInactive() }
        #expect(watcher.closed == .quit)
        let recorded = try harness.recorded()
        #expect(recorded.map(\.user) == ["alice", "alice"])
        #expect(recorded.map(\.kind) == [.join, .message])
        #expect(harness.core.directory.names() == ["alice"])
    }
}

import ChatCore
import ChatModel
import Testing

/// The state machine alone: events in, actions out, no store, no channel.
@Suite("Core: the connection state machine")
struct ConnectionStateMachineTests {
    let room = ChatDirectory(makeToken: { "t" })

    func machine(rate: Double = 0) -> ConnectionStateMachine {
        var configuration = CoreConfiguration()
        configuration.requestsPerSecond = rate
        configuration.requestBurst = 1
        return ConnectionStateMachine(connection: 1, directory: room, session: 9, configuration: configuration) { 0 }
    }

    func join(_ name: String) -> DoorInput { .request(.join(JoinRequest(name: name))) }

    /// A machine that has joined as `name` and is live.
    func joined(_ name: String = "alice", rate: Double = 0) -> ConnectionStateMachine {
        var machine = machine(rate: rate)
        _ = machine.start()
        _ = machine.lineRead(join(name))
        _ = machine.caughtUp(CatchUp(events: [], gap: nil, resumeAfter: nil))
        _ = machine.joinStored()
        return machine
    }

    func leave(_ reason: LeaveReason, by name: String = "alice") -> ConnectionAction {
        .record(NewEvent(kind: .leave, user: name, connection: 1, reason: reason))
    }

    @Test("greeting: greets, arms the name timer, reads")
    func greeting() {
        var machine = machine()
        let got1 = machine.start()
        #expect(got1 == [.send(.greeting), .armNameTimer, .read])
        #expect(machine.state == .naming)
        let got2 = machine.start()
        #expect(got2 == [])
    }

    @Test("name timeout: the default name for a silent newcomer; lines that name nobody do not stop the timer")
    func nameTimeout() {
        var silent = machine()
        _ = silent.start()
        let got3 = silent.nameTimerFired()
        #expect(got3 == [.subscribePrivate(name: "USR"), .enter(room: "main", resumeAfter: nil, history: nil)])
        var speaker = machine()
        _ = speaker.start()
        let got4 = speaker.lineRead(join("Server"))
        #expect(got4 == [.send(.error(.nameReserved("Server")))])
        #expect(speaker.state == .naming)
        let got6 = speaker.readComplete()
        #expect(got6 == [.read])
        // Junk keeps coming; the timer, armed at the connect, still fires: the connection closes.
        let got5 = speaker.lineRead(.rejected(.invalid(code: "malformed", message: "junk")))
        #expect(got5 == [.send(.error(.invalid(code: "malformed", message: "junk")))])
        let got7 = speaker.nameTimerFired()
        #expect(got7 == [.send(.error(.noNameInTime)), .close])
        #expect(speaker.state == .quitting(name: nil))
        #expect(speaker.nameTimerFired() == [])
        // A name given before the timeout stops it, even after refused ones.
        var late = machine()
        _ = late.start()
        _ = late.lineRead(join("Server"))
        let got8 = late.lineRead(join("carol"))
        #expect(got8.first == .cancelNameTimer)
        #expect(late.nameTimerFired() == [])
    }

    @Test("catching up: welcome and history, live from what it held, the join stored, then live")
    func catchingUp() {
        var machine = machine()
        _ = machine.start()
        let got7 = machine.lineRead(join("alice"))
        #expect(
            got7 == [
                .cancelNameTimer, .subscribePrivate(name: "alice"),
                .enter(room: "main", resumeAfter: nil, history: nil),
            ])
        // Lines read meanwhile wait, and so does reading.
        let got8 = machine.lineRead(.request(.say("early")))
        #expect(got8 == [])
        let got9 = machine.readComplete()
        #expect(got9 == [])
        let history = [Event(id: 4, kind: .message, user: "bob", text: "hi", timeMillis: 0, session: 1)]
        let got10 = machine.caughtUp(CatchUp(events: history, gap: nil, resumeAfter: nil))
        #expect(
            got10 == [
                .send(.welcome(name: "alice", requested: "alice", session: 9, room: "main", token: "t")),
                .send(.history(HistoryBlock(purpose: .catchUp, events: history))),
                .goLive(room: "main", seenThrough: 4), .goLive(room: "", seenThrough: 0),
                .recordJoins([NewEvent(kind: .join, user: "alice", connection: 1)]),
            ])
        let got11 = machine.joinStored()
        #expect(
            got11 == [
                .roomsChanged(current: "main", rooms: ["main"]),
                .record(NewEvent(kind: .message, user: "alice", text: "early", connection: 1)), .read,
            ])
    }

    @Test(
        "a name not given as typed: the welcome, then a notice of what changed and why",
        arguments: [
            ("", NameChange(cleaning: .noName, requested: "USR", name: "USR")),
            (
                "alice smith",
                NameChange(cleaning: .rewritten, adjustments: [.spaces], requested: "alice_smith", name: "alice_smith")
            ),
            (
                String(repeating: "x", count: 30),
                NameChange(
                    cleaning: .rewritten, adjustments: [.tooLong], requested: String(repeating: "x", count: 24),
                    name: String(repeating: "x", count: 24))
            ),
            ("bob", NameChange(cleaning: .kept, requested: "bob", name: "bob2")),
        ])
    func nameChanged(typed: String, change: NameChange) {
        _ = room.admit(99, as: "bob").name
        var machine = machine()
        _ = machine.start()
        _ = machine.lineRead(join(typed))
        let got = machine.caughtUp(CatchUp(events: [], gap: nil, resumeAfter: nil))
        #expect(
            Array(got.prefix(2)) == [
                .send(.welcome(name: change.name, requested: change.requested, session: 9, room: "main", token: "t")),
                .send(.notice(.nameChanged(change))),
            ])
    }

    @Test("a name given as typed, white space around it aside: no notice")
    func nameKept() {
        var machine = machine()
        _ = machine.start()
        _ = machine.lineRead(join("  carol "))
        let got = machine.caughtUp(CatchUp(events: [], gap: nil, resumeAfter: nil))
        #expect(!got.contains { if case .send(.notice) = $0 { true } else { false } })
    }

    @Test("live: messages recorded, replies sent, history read while reading waits")
    func live() {
        var machine = joined()
        let got13 = machine.lineRead(.request(.act("waves")))
        #expect(
            got13 == [
                .record(NewEvent(kind: .action, user: "alice", text: "waves", connection: 1))
            ])
        let got14 = machine.lineRead(.request(.say("  ")))
        #expect(got14 == [.send(.error(.emptyMessage))])
        let got15 = machine.lineRead(.request(.who()))
        #expect(got15 == [.send(.who(names: ["alice"]))])
        let got16 = machine.lineRead(.request(.join(JoinRequest(name: "x"))))
        #expect(got16 == [.send(.error(.alreadyJoined))])
        let got17 = machine.lineRead(.request(.history(nil)))
        #expect(got17 == [.readHistory(room: "main", limit: 50)])
        let got18 = machine.lineRead(.request(.help))
        #expect(got18 == [])
        let got19 = machine.readComplete()
        #expect(got19 == [])
        let got20 = machine.historyRead([])
        #expect(
            got20 == [
                .send(.history(HistoryBlock(purpose: .request, events: []))), .send(.help), .read,
            ])
    }

    @Test("rate limit: the request waits, one notice, then it is done")
    func rateLimited() {
        var machine = joined(rate: 1)
        let got21 = machine.lineRead(.request(.who()))
        #expect(got21 == [.send(.who(names: ["alice"]))])
        let got22 = machine.lineRead(.request(.say("x")))
        #expect(got22 == [.send(.notice(.rateLimited(rate: 1))), .delay(seconds: 1)])
        let got23 = machine.lineRead(.request(.say("y")))
        #expect(got23 == [])
        let got24 = machine.delayOver()
        #expect(
            got24 == [
                .record(NewEvent(kind: .message, user: "alice", text: "x", connection: 1)), .delay(seconds: 2),
            ])
    }

    @Test("quitting: the leave is recorded, goodbye once committed, closed without another leave")
    func quitting() {
        var machine = joined()
        let got25 = machine.lineRead(.request(.quit()))
        #expect(
            got25 == [
                .recordQuit([NewEvent(kind: .leave, user: "alice", connection: 1, reason: .quit)])
            ])
        let got26 = machine.lineRead(.request(.say("never")))
        #expect(got26 == [])
        let got27 = machine.leaveCommitted()
        #expect(got27 == [.leaveServer(name: "alice"), .finish(.goodbye)])
        let got28 = machine.channelInactive()
        #expect(got28 == [.closed(.quit)])
        #expect(machine.state == .closed)
    }

    @Test("closed: before a name nothing is recorded; once joined, the leave is")
    func closed() {
        var unnamed = machine()
        _ = unnamed.start()
        let got29 = unnamed.channelInactive()
        #expect(got29 == [.cancelNameTimer, .closed(.connectionLost)])
        var joined = joined()
        let got30 = joined.channelInactive()
        #expect(got30 == [.leaveServer(name: "alice"), leave(.connectionLost), .closed(.connectionLost)])
        let got31 = joined.channelInactive()
        #expect(got31 == [])
    }

    @Test("closed while a step waits: the lines that queued are handled, then the leave")
    func closedWhileWaiting() {
        var machine = joined()
        _ = machine.lineRead(.request(.history(3)))
        _ = machine.lineRead(.request(.say("last")))
        let got32 = machine.channelInactive()
        #expect(got32 == [])
        let got33 = machine.historyRead([])
        #expect(
            got33 == [
                .send(.history(HistoryBlock(purpose: .request, events: []))),
                .record(NewEvent(kind: .message, user: "alice", text: "last", connection: 1)),
                .leaveServer(name: "alice"), leave(.connectionLost), .closed(.connectionLost),
            ])
    }

    @Test("too slow: over budget, reading stops; drained, it resumes; stalled, it is closed as too slow")
    func tooSlow() {
        var machine = joined()
        let got34 = machine.writabilityChanged(false)
        #expect(got34 == [.armStallTimer])
        let got35 = machine.readComplete()
        #expect(got35 == [])
        let got36 = machine.writabilityChanged(true)
        #expect(got36 == [.cancelStallTimer, .read])
        _ = machine.writabilityChanged(false)
        let got37 = machine.stallTimerFired()
        #expect(got37 == [.close])
        let got38 = machine.lineRead(.request(.say("late")))
        #expect(got38 == [])
        let got39 = machine.channelInactive()
        #expect(
            got39 == [
                .cancelStallTimer, .leaveServer(name: "alice"), leave(.tooSlow), .closed(.tooSlow),
            ])
    }

    @Test("over budget: lines already read wait, in order, until the member drains; then they are handled")
    func linesWaitForTheBudget() {
        var machine = joined()
        _ = machine.lineRead(.request(.history(5)))
        _ = machine.lineRead(.request(.who()))
        let full = machine.writabilityChanged(false)
        #expect(full == [.armStallTimer])
        // The history's reply fills the budget: the /who read meanwhile waits, and so does reading.
        let replied = machine.historyRead([])
        #expect(replied == [.send(.history(HistoryBlock(purpose: .request, events: [])))])
        let more = machine.lineRead(.request(.help))
        #expect(more == [])
        let drained = machine.writabilityChanged(true)
        #expect(drained == [.cancelStallTimer, .send(.who(names: ["alice"])), .send(.help), .read])
    }

    @Test("closed over budget: the lines that waited are handled, then the leave")
    func closedOverBudget() {
        var machine = joined()
        _ = machine.writabilityChanged(false)
        _ = machine.lineRead(.request(.say("last words")))
        let closed = machine.channelInactive()
        #expect(
            closed == [
                .cancelStallTimer, .record(NewEvent(kind: .message, user: "alice", text: "last words", connection: 1)),
                .leaveServer(name: "alice"), leave(.connectionLost), .closed(.connectionLost),
            ])
    }

    @Test("shutdown: told, lines ignored, the leave recorded as server shutdown")
    func shutdown() {
        var machine = joined()
        let got40 = machine.shutdownBegun(message: "bye")
        #expect(got40 == [.finish(.shutdown(message: "bye"))])
        let got41 = machine.lineRead(.request(.say("ignored")))
        #expect(got41 == [])
        let got42 = machine.readComplete()
        #expect(got42 == [])
        let got43 = machine.channelInactive()
        #expect(got43 == [.leaveServer(name: "alice"), leave(.serverShutdown), .closed(.serverShutdown)])
        var naming = self.machine()
        _ = naming.start()
        let got44 = naming.shutdownBegun(message: nil)
        #expect(got44 == [.cancelNameTimer, .finish(.shutdown(message: nil))])
        let got45 = naming.channelInactive()
        #expect(got45 == [.closed(.serverShutdown)])
    }

    @Test("a join that cannot be stored: told, out of the room, no leave recorded")
    func joinNotStored() {
        var machine = machine()
        _ = machine.start()
        _ = machine.lineRead(join("alice"))
        _ = machine.caughtUp(CatchUp(events: [], gap: nil, resumeAfter: nil))
        let got46 = machine.joinFailed("disk full")
        #expect(
            got46 == [
                .send(.error(.joinNotStored("disk full"))), .leaveServer(name: "alice"), .finish(nil),
            ])
        let got47 = machine.channelInactive()
        #expect(got47 == [.closed(.quit)])
    }

    @Test("a fatal line before joining closes; a quit before joining records nothing")
    func leavingUnnamed() {
        var fatal = machine()
        _ = fatal.start()
        let failure = Failure.invalid(code: "unsupported_protocol", message: "no")
        let got48 = fatal.lineRead(.fatal(failure))
        #expect(got48 == [.cancelNameTimer, .send(.error(failure)), .close])
        var quitter = machine()
        _ = quitter.start()
        let got49 = quitter.lineRead(.request(.quit()))
        #expect(got49 == [.cancelNameTimer, .close])
        let got50 = quitter.channelInactive()
        #expect(got50 == [.closed(.quit)])
    }
}

@Suite("Core: the live cursor")
struct LiveCursorTests {
    struct Batch: CommittedBatch, Equatable {
        var ids: ClosedRange<Int64>
        var lastID: Int64 { ids.upperBound }
        var count: Int { ids.count }
    }

    @Test("held back while catching up; what the history held is dropped; nothing twice")
    func catchUpThenLive() {
        var cursor = LiveCursor<Batch>(maxBacklogEvents: 100)
        let first = cursor.receive(Batch(ids: 1...3))
        let second = cursor.receive(Batch(ids: 4...6))
        #expect(first && second)
        let none = cursor.next()
        #expect(none == nil)
        cursor.goLive(seenThrough: 4)
        let next = cursor.next()
        #expect(next?.batch == Batch(ids: 4...6) && next?.after == 4)
        cursor.sent(through: 6)
        let rest = cursor.next()
        #expect(rest == nil && cursor.isEmpty)
        let again = cursor.receive(Batch(ids: 5...6))  // already sent: not kept
        #expect(again)
        #expect(cursor.isEmpty)
    }

    @Test("a backlog over its limit says so")
    func backlogLimit() {
        var cursor = LiveCursor<Batch>(maxBacklogEvents: 5)
        let first = cursor.receive(Batch(ids: 1...3))
        let second = cursor.receive(Batch(ids: 4...6))
        #expect(first && !second)
        cursor.goLive(seenThrough: 0)
        cursor.sent(through: 3)
        #expect(cursor.backlogEvents == 3)
    }
}

/// A catch-up too big for one page is sent a page at a time, each read only while the member is
/// under its outbound budget (the resume storm of RELIABILITY.md, "Hardening: stalls and storms").
@Suite("Core: a catch-up in pages")
struct CatchUpPagingTests {
    let room = ChatDirectory(makeToken: { "t" })

    func event(_ id: Int64) -> Event {
        Event(id: id, kind: .message, user: "bob", text: "\(id)", timeMillis: 0, session: 1)
    }

    func catchingUp() -> ConnectionStateMachine {
        var machine = ConnectionStateMachine(
            connection: 1, directory: room, session: 9, configuration: CoreConfiguration()
        ) { 0 }
        _ = machine.start()
        _ = machine.lineRead(.request(.join(JoinRequest(name: "alice", resumeAfter: 0))))
        return machine
    }

    let joinEvent = ConnectionAction.recordJoins([NewEvent(kind: .join, user: "alice", connection: 1)])

    @Test("pages follow while the member drains; none is read over budget; the join comes after the last")
    func pagesFollowTheBudget() {
        var machine = catchingUp()
        let first = machine.caughtUp(
            CatchUp(events: [event(1), event(2)], gap: nil, resumeAfter: 0, total: 5, through: 5))
        #expect(
            first == [
                .send(.welcome(name: "alice", requested: "alice", session: 9, room: "main", token: "t")),
                .send(.history(HistoryBlock(catchUpPage: [event(1), event(2)], total: 5, opens: true, closes: false))),
                .readCatchUpPage(room: "main", after: 2, through: 5),
            ])
        // Over budget meanwhile: the page read is sent, the next one waits for the drain.
        #expect(machine.writabilityChanged(false) == [.armStallTimer])
        let second = machine.catchUpPageRead([event(3), event(4)])
        #expect(
            second == [
                .send(.history(HistoryBlock(catchUpPage: [event(3), event(4)], total: 5, opens: false, closes: false)))
            ])
        #expect(
            machine.writabilityChanged(true) == [
                .cancelStallTimer, .readCatchUpPage(room: "main", after: 4, through: 5),
            ])
        let last = machine.catchUpPageRead([event(5)])
        #expect(
            last == [
                .send(.history(HistoryBlock(catchUpPage: [event(5)], total: 5, opens: false, closes: true))),
                .goLive(room: "main", seenThrough: 5), .goLive(room: "", seenThrough: 0), joinEvent,
            ])
        #expect(machine.joinStored() == [.roomsChanged(current: "main", rooms: ["main"]), .read])
    }

    @Test("closed while waiting for the drain: the catch-up ends at once, the join and the leave follow")
    func closedWhileWaiting() {
        var machine = catchingUp()
        _ = machine.caughtUp(CatchUp(events: [event(1)], gap: nil, resumeAfter: 0, total: 3, through: 3))
        _ = machine.writabilityChanged(false)
        _ = machine.catchUpPageRead([event(2)])
        #expect(machine.stallTimerFired() == [.close])
        #expect(
            machine.channelInactive() == [
                .cancelStallTimer, .goLive(room: "main", seenThrough: 3), .goLive(room: "", seenThrough: 0), joinEvent,
            ])
        let left = machine.joinStored()
        #expect(left.last == .closed(.tooSlow))
    }

    @Test("a failed page read ends the block (its footer) and the member goes live after the whole catch-up")
    func failedPageRead() {
        var machine = catchingUp()
        _ = machine.caughtUp(CatchUp(events: [event(1)], gap: nil, resumeAfter: 0, total: 3, through: 3))
        let ended = machine.catchUpPageRead([])
        #expect(
            ended == [
                .send(.history(HistoryBlock(catchUpPage: [], total: 3, opens: false, closes: true))),
                .goLive(room: "main", seenThrough: 3), .goLive(room: "", seenThrough: 0), joinEvent,
            ])
    }
}

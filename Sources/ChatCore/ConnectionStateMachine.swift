import ChatModel
import ChatStore

/// One connection's life, whatever its door: events in, actions out (`ConnectionAction`); the
/// door's channel handler only executes them. No I/O, no clock of its own, no event loop.
///
/// greeting → naming → catchingUp → joining → live → quitting → closed. A hello enters one room
/// (the default one) or, on a reconnect, every room the client was in: each room's catch-up is
/// read and sent in turn, then the joins are stored. A live member enters more rooms (`enter`),
/// leaves some (`part`), renames itself, and sends private messages; entering, parting and
/// renaming are steps that wait like the others. Lines read while a step
/// waits (catch-up, the join's commit, a history read, a rate-limit delay) queue up and reading
/// pauses, so lines are handled one after another in the order sent. Reading also pauses while
/// the member is over its outbound budget; if it stays there, the stall timer calls it too slow.
///
/// A watcher (`JoinRequest.watch`) lives the same life without a place in the room: it gets the
/// welcome, the catch-up and every live event, but takes no name from the `ChatDirectory` (so it is
/// not in `who` and numbers nobody), has no join or leave recorded (catchingUp → live, skipping
/// joining), and its `say` and `me` are refused with `Failure.watchOnly`.
///
/// This file holds what the machine keeps and the channel's events; its states are in
/// `+States`, and its work by concern in `+Naming`, `+Rooms`, `+Requests`, `+Moderation` and
/// `+Steps` (the steps that waited, done).
public struct ConnectionStateMachine {
    public internal(set) var state = State.greeting
    /// Lines read while a step waits.
    public internal(set) var queue: [DoorInput] = []
    /// Why the server ends the connection, once it does (the first reason wins).
    public internal(set) var stopping: LeaveReason?
    var inputClosed = false
    var writable = true
    var nameTimerArmed = false
    /// Lines came while naming (none of them named the connection yet).
    var linesWhileNaming = false
    /// The room being entered, and its catch-up's paging.
    var entry: Entry?
    /// A hello's rooms still to enter, the history it asked for, where its private messages resume,
    /// its token, and what could not be done (told after the welcome).
    var pendingRooms: [RoomResume] = []
    var helloHistory: Int?
    var privateAfter: Int64?
    var token: String?
    var helloFailures: [Failure] = []
    /// The hello whose name is being checked (`identifying`), or whose password is asked for.
    var pendingJoin: JoinRequest?
    /// The name timeout passed while the name was being checked.
    var nameTimedOut = false
    /// The hello whose name is being claimed across the nodes (`identifying`).
    var claiming: Claiming?
    /// Another node recorded this connection's leaves (it reaped this node): none are recorded here.
    var leavesRecordedElsewhere = false
    let connection: Int64
    /// Where the connection comes from (set by `start(peer:)`).
    public internal(set) var peer = Peer.unknown
    let directory: ChatDirectory
    let configuration: CoreConfiguration
    let accounts: Accounts
    let session: Int64
    let now: () -> Double
    /// Whether a newcomer that sends no line at all gets the default name at the name timeout
    /// (a person at a keyboard); when false it is closed like one whose lines named nobody (a
    /// client that always registers, like an IRC client).
    public var namesSilentNewcomers = true

    /// - Parameters:
    ///   - session: the server run, for the welcome.
    ///   - now: monotonic seconds, for the rate limit.
    public init(
        connection: Int64, directory: ChatDirectory, session: Int64, configuration: CoreConfiguration,
        accounts: Accounts = .none, now: @escaping () -> Double
    ) {
        self.accounts = accounts
        self.connection = connection
        self.directory = directory
        self.session = session
        self.configuration = configuration
        self.now = now
    }

    // MARK: Events from the channel

    /// The connection is up: greet, start the name timer, read.
    public mutating func start(peer: Peer = .unknown) -> [ConnectionAction] {
        guard state == .greeting else { return [] }
        self.peer = peer
        if let ban = accounts.ban(address: peer.address) {
            stopping = .banned
            state = .quitting(name: nil)
            return [.finish(.error(.banned(Accounts.words(ban))))]
        }
        state = .naming
        nameTimerArmed = true
        return [.send(.greeting), .armNameTimer, .read]
    }

    /// A line, as the door read it.
    public mutating func lineRead(_ input: DoorInput) -> [ConnectionAction] {
        var actions: [ConnectionAction] = []
        // The name timer counts from the connect, not from the last line: it stops only once the
        // newcomer is named (or gone), so a stream of lines that name nobody keeps no slot.
        if state == .naming { linesWhileNaming = true }
        switch state {
        case .greeting, .quitting, .closed:
            return actions
        case .identifying, .catchingUp, .joining, .live(_, waiting: .some):
            queue.append(input)
            return actions
        case .live(_, waiting: nil) where !queue.isEmpty || !writable:
            // Over budget: handled once the member drains, after the lines before it.
            queue.append(input)
            return actions
        case .naming, .live(_, waiting: nil):
            actions += handle(input)
            // The timer runs on while the name is checked: a login refused leaves it naming.
            if nameTimerArmed, state != .naming, !state.isIdentifying {
                nameTimerArmed = false
                actions.insert(.cancelNameTimer, at: 0)
            }
            return actions
        }
    }

    /// The read that was asked for is done: read on unless something waits.
    public mutating func readComplete() -> [ConnectionAction] {
        canRead ? [.read] : []
    }

    /// The channel closed (the peer left, or the server closed it).
    public mutating func channelInactive() -> [ConnectionAction] {
        var actions: [ConnectionAction] = []
        if nameTimerArmed {
            nameTimerArmed = false
            actions.append(.cancelNameTimer)
        }
        if !writable { actions.append(.cancelStallTimer) }
        writable = true
        switch state {
        case .greeting, .naming:
            state = .closed
            return actions + [.closed(stopping ?? .connectionLost)]
        case .identifying:
            // The check ends first (`loginChecked(_:)`).
            inputClosed = true
            return actions
        case .catchingUp, .live(_, waiting: .entering):
            inputClosed = true
            // A catch-up waiting for the member to drain ends: nobody is left to send it to.
            guard let entry, let paging = entry.paging, !paging.reading else { return actions }
            self.entry = nil
            return actions + entered(entry.room, seenThrough: paging.through)
        case .joining, .live(_, waiting: .some):
            // The step ends first, and the lines that queued up are handled.
            inputClosed = true
            return actions
        case .live(_, waiting: nil):
            // Lines that waited for the budget are handled first.
            inputClosed = true
            return actions + resume()
        case .quitting(let name):
            state = .closed
            return actions + (name.map { [.leaveServer(name: $0)] } ?? []) + [.closed(.quit)]
        case .closed:
            return actions
        }
    }

    /// Over the outbound budget (false) or back under half of it (true).
    public mutating func writabilityChanged(_ isWritable: Bool) -> [ConnectionAction] {
        guard isWritable != writable, state != .closed else { return [] }
        writable = isWritable
        guard isWritable else { return [.armStallTimer] }
        if case .live(_, waiting: nil) = state { return [.cancelStallTimer] + resume() }
        return [.cancelStallTimer] + readComplete() + nextPage()
    }

    /// The member stayed over its budget without draining: too slow.
    public mutating func stallTimerFired() -> [ConnectionAction] {
        tooSlow()
    }

    /// More events wait for the member than it may hold back: too slow.
    public mutating func tooSlow() -> [ConnectionAction] {
        guard state != .closed else { return [] }
        if case .quitting = state { return [.close] }
        if stopping == nil { stopping = .tooSlow }
        return [.close]
    }

    /// The server is stopping: tell the member, and close. Lines are no longer handled.
    /// `leavesRecorded`: another node has recorded this node's leaves (it reaped this node), so
    /// none are recorded here.
    public mutating func shutdownBegun(message: String?, leavesRecorded: Bool = false) -> [ConnectionAction] {
        switch state {
        case .closed, .quitting: return []
        default: break
        }
        if leavesRecorded { leavesRecordedElsewhere = true }
        if stopping == nil { stopping = .serverShutdown }
        var actions: [ConnectionAction] = []
        if nameTimerArmed {
            nameTimerArmed = false
            actions.append(.cancelNameTimer)
        }
        return actions + [.finish(.shutdown(message: message))]
    }

    /// No name within the name timeout of the connect. Someone who sent no line at all (a person
    /// at a keyboard who does not know to type a name) gets the default one; a connection that sent
    /// lines and none named it (reserved names, junk, hellos refused) is closed: it was told why
    /// each was refused, and joining it under a name it never asked for would put its lines in the
    /// room.
    public mutating func nameTimerFired() -> [ConnectionAction] {
        if nameTimerArmed, case .identifying = state {
            nameTimedOut = true
            return []
        }
        guard nameTimerArmed, state == .naming else { return [] }
        nameTimerArmed = false
        guard stopping == nil else { return [] }
        guard !linesWhileNaming, pendingJoin == nil, namesSilentNewcomers else {
            return [.send(.error(.noNameInTime))] + quitUnnamed()
        }
        return handle(.request(.join(JoinRequest(name: NameRules.defaultName))))
    }

    // MARK: Handling lines

    var canRead: Bool {
        guard writable, !inputClosed, stopping == nil, queue.isEmpty else { return false }
        switch state {
        case .naming, .live(_, waiting: nil): return true
        default: return false
        }
    }

    /// Handles what queued up until a step waits or the member is over its outbound budget;
    /// then closes if the channel closed meanwhile, or reads on.
    mutating func resume() -> [ConnectionAction] {
        var actions: [ConnectionAction] = []
        while writable, case .live(_, waiting: nil) = state, !queue.isEmpty {
            actions += handle(queue.removeFirst())
        }
        guard case .live(let member, waiting: nil) = state, queue.isEmpty else { return actions }
        if inputClosed { return actions + leave(member) }
        return actions + readComplete()
    }

    mutating func handle(_ input: DoorInput) -> [ConnectionAction] {
        guard stopping == nil else { return [] }
        switch input {
        case .nothing:
            return []
        case .rejected(let failure):
            return [.send(.error(failure))]
        case .fatal(let failure):
            return [.send(.error(failure))] + quitUnnamed()
        case .request(let request):
            switch state {
            case .naming: return introduce(request)
            case .live(let member, waiting: nil): return ask(request, from: member)
            default: return []
            }
        }
    }

    /// Whether a line read now would wait (a step waits, lines queue, or the member is over its
    /// outbound budget): a door that answers lines by itself holds them until it is not, so that
    /// its answers come in the order of the lines.
    public var isBusy: Bool {
        guard writable, queue.isEmpty else { return true }
        switch state {
        case .naming, .live(_, waiting: nil), .quitting, .closed: return false
        default: return true
        }
    }

    /// Whether the plain door's next line is a password (a registered name was given without one).
    public var expectsPassword: Bool { state == .naming && pendingJoin != nil }

    /// Nothing came from the member for `seconds` (the idle timer of a door that can ping): past
    /// half of `CoreConfiguration.idleSeconds` it is pinged; past all of it, closed as lost.
    public mutating func idle(for seconds: Double) -> [ConnectionAction] {
        let limit = configuration.idleSeconds
        guard limit > 0, case .live = state, stopping == nil else { return [] }
        if seconds >= limit {
            stopping = .connectionLost
            return [.close]
        }
        return seconds >= limit / 2 ? [.send(.ping)] : []
    }

    /// An operator put this connection out (`reason`: kicked or banned): it is told, and closes;
    /// its leaves carry the reason.
    public mutating func removed(by: String, reason: LeaveReason, why: String) -> [ConnectionAction] {
        switch state {
        case .closed, .quitting: return []
        default: break
        }
        if stopping == nil { stopping = reason }
        var actions: [ConnectionAction] = []
        if nameTimerArmed {
            nameTimerArmed = false
            actions.append(.cancelNameTimer)
        }
        return actions + [.finish(.removed(by: by, reason: reason, why: why))]
    }

    /// A room operator put this member out of `room` (its `roomKick` is committed): out of the
    /// room's fan-out and of the room; the member stays on the server, whatever it was doing.
    public mutating func removed(from room: String) -> [ConnectionAction] {
        guard case .live(var member, let waiting) = state, let room = member.room(room) else { return [] }
        member.rooms.removeAll { Room.key($0) == Room.key(room) }
        // In no room at all: what is typed is answered as for the default room (`/join main`).
        if Room.key(member.current) == Room.key(room) { member.current = member.rooms.last ?? directory.defaultRoom }
        directory.leave(connection, room: room)
        state = .live(member, waiting: waiting)
        let current = member.rooms.isEmpty ? nil : member.current
        return [
            .unsubscribe(room: room), .roomsChanged(current: member.current, rooms: member.rooms),
            .send(.putOut(room: room, current: current)),
        ]
    }

    /// Leaves before joining: nothing to record.
    mutating func quitUnnamed() -> [ConnectionAction] {
        state = .quitting(name: nil)
        return [.close]
    }

    /// A live member's connection is closed: out of its rooms, its leaves recorded.
    mutating func leave(_ member: Member) -> [ConnectionAction] {
        state = .closed
        let reason = stopping ?? .connectionLost
        if member.watching || leavesRecordedElsewhere { return [.leaveServer(name: member.name), .closed(reason)] }
        return [.leaveServer(name: member.name)]
            + member.rooms.map { .record(event(.leave, by: member.name, in: $0, reason: reason)) } + [.closed(reason)]
    }

    func event(
        _ kind: EventKind, by name: String, in room: String, text: String = "", reason: LeaveReason? = nil
    ) -> NewEvent {
        NewEvent(kind: kind, room: room, user: name, text: text, connection: connection, reason: reason)
    }
}

extension ConnectionStateMachine.State {
    /// A name is being checked against the accounts.
    public var isIdentifying: Bool {
        if case .identifying = self { return true }
        return false
    }

    /// The member's name, once it has one.
    public var memberName: String? {
        switch self {
        case .catchingUp(let member, _, _), .joining(let member), .live(let member, _): return member.name
        case .quitting(let name): return name
        case .greeting, .naming, .identifying, .closed: return nil
        }
    }
}

import ChatModel

/// One connection's life, whatever its door: events in, actions out (`ConnectionAction`); the
/// door's channel handler only executes them. No I/O, no clock of its own, no event loop.
///
/// greeting → naming → catchingUp → joining → live → quitting → closed. Lines read while a step
/// waits (catch-up, the join's commit, a history read, a rate-limit delay) queue up and reading
/// pauses, so lines are handled one after another in the order sent. Reading also pauses while
/// the member is over its outbound budget; if it stays there, the stall timer calls it too slow.
///
/// A watcher (`JoinRequest.watch`) lives the same life without a place in the room: it gets the
/// welcome, the catch-up and every live event, but takes no name from the `ChatRoom` (so it is
/// not in `who` and numbers nobody), has no join or leave recorded (catchingUp → live, skipping
/// joining), and its `say` and `me` are refused with `Failure.watchOnly`.
public struct ConnectionStateMachine {
    public enum State: Sendable, Equatable {
        /// Not yet started.
        case greeting
        /// Greeted; waiting for a name (or a hello).
        case naming
        /// In the room; its history is being read.
        case catchingUp(Member, requested: String, change: NameChange?)
        /// Sent its history; its join is being stored.
        case joining(Member)
        /// Joined; `waiting` is a step that waits.
        case live(Member, waiting: Waiting?)
        /// Leaving: its quit is being recorded or the connection is closing.
        case quitting(name: String?)
        case closed
    }

    /// A live member's step that waits.
    public enum Waiting: Sendable, Equatable {
        case history
        /// The rate limit: the request is handled once the delay is over.
        case delayed(Request)
    }

    /// A catch-up sent a page at a time, each read once the member is under its budget.
    struct Paging: Equatable {
        var after: Int64
        var through: Int64
        var total: Int?
        var reading = false
    }

    /// A joined member, or a watcher.
    public struct Member: Sendable, Equatable {
        public var name: String
        /// Watching: not in the room, nothing recorded for it, messages refused.
        public var watching = false
        var limiter: TokenBucket
        var warned = false
    }

    public private(set) var state = State.greeting
    /// Lines read while a step waits.
    public private(set) var queue: [DoorInput] = []
    /// Why the server ends the connection, once it does (the first reason wins).
    public private(set) var stopping: LeaveReason?
    private var inputClosed = false
    private var writable = true
    private var nameTimerArmed = false
    /// A catch-up sent in pages: where it is, and whether a page is being read.
    private var paging: Paging?
    private let connection: Int64
    private let room: ChatRoom
    private let configuration: CoreConfiguration
    private let session: Int64
    private let now: () -> Double

    /// - Parameters:
    ///   - session: the server run, for the welcome.
    ///   - now: monotonic seconds, for the rate limit.
    public init(
        connection: Int64, room: ChatRoom, session: Int64, configuration: CoreConfiguration,
        now: @escaping () -> Double
    ) {
        self.connection = connection
        self.room = room
        self.session = session
        self.configuration = configuration
        self.now = now
    }

    // MARK: Events from the channel

    /// The connection is up: greet, start the name timer, read.
    public mutating func start() -> [ConnectionAction] {
        guard state == .greeting else { return [] }
        state = .naming
        nameTimerArmed = true
        return [.send(.greeting), .armNameTimer, .read]
    }

    /// A line, as the door read it.
    public mutating func lineRead(_ input: DoorInput) -> [ConnectionAction] {
        var actions: [ConnectionAction] = []
        if nameTimerArmed {
            nameTimerArmed = false
            actions.append(.cancelNameTimer)
        }
        switch state {
        case .greeting, .quitting, .closed:
            return actions
        case .catchingUp, .joining, .live(_, waiting: .some):
            queue.append(input)
            return actions
        case .live(_, waiting: nil) where !queue.isEmpty || !writable:
            // Over budget: handled once the member drains, after the lines before it.
            queue.append(input)
            return actions
        case .naming, .live(_, waiting: nil):
            return actions + handle(input)
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
        case .catchingUp(let member, _, _):
            inputClosed = true
            // A catch-up waiting for the member to drain ends: nobody is left to send it to.
            guard let paging, !paging.reading else { return actions }
            self.paging = nil
            return actions + join(member, seenThrough: paging.through)
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
            return actions + (name.map { [.leaveRoom(name: $0)] } ?? []) + [.closed(.quit)]
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
    public mutating func shutdownBegun(message: String?) -> [ConnectionAction] {
        switch state {
        case .closed, .quitting: return []
        default: break
        }
        if stopping == nil { stopping = .serverShutdown }
        var actions: [ConnectionAction] = []
        if nameTimerArmed {
            nameTimerArmed = false
            actions.append(.cancelNameTimer)
        }
        return actions + [.finish(.shutdown(message: message))]
    }

    /// Nobody gave a name in time: the default one.
    public mutating func nameTimerFired() -> [ConnectionAction] {
        guard nameTimerArmed, state == .naming else { return [] }
        nameTimerArmed = false
        return handle(.request(.join(JoinRequest(name: NameRules.defaultName))))
    }

    // MARK: Steps that waited

    /// The catch-up was read (an empty one when the read failed).
    public mutating func caughtUp(_ catchUp: CatchUp) -> [ConnectionAction] {
        guard case .catchingUp(let member, let requested, let change) = state, paging == nil else { return [] }
        let welcome = Reply.welcome(name: member.name, requested: requested, session: session, room: room.name)
        let renamed = change.map { [ConnectionAction.send(.notice(.nameChanged($0)))] } ?? []
        let paged = catchUp.through != nil && stopping == nil && !inputClosed
        let history =
            catchUp.through == nil
            ? HistoryBlock(purpose: .catchUp, events: catchUp.events, gap: catchUp.gap)
            : HistoryBlock(
                catchUpPage: catchUp.events, gap: catchUp.gap, total: catchUp.total, opens: true, closes: !paged)
        // Once the server is stopping, its notice is already on the way: nothing more to say.
        let replies: [ConnectionAction] =
            stopping == nil ? [.send(welcome)] + renamed + [.send(.history(history))] : []
        if paged, let through = catchUp.through {
            // The rest a page at a time, each once the member is under its budget.
            paging = Paging(
                after: catchUp.events.last?.id ?? catchUp.gap?.resumedAfter ?? catchUp.resumeAfter ?? 0,
                through: through, total: catchUp.total)
            return replies + nextPage()
        }
        return replies + join(member, seenThrough: catchUp.seenThrough)
    }

    /// A page of a catch-up sent in pages was read (an empty one when the read failed).
    public mutating func catchUpPageRead(_ events: [Event]) -> [ConnectionAction] {
        guard case .catchingUp(let member, _, _) = state, var paging, paging.reading else { return [] }
        paging.reading = false
        let last = events.last.map { $0.id >= paging.through } ?? true
        let ending = last || stopping != nil || inputClosed
        var actions: [ConnectionAction] = []
        if stopping == nil {
            let block = HistoryBlock(catchUpPage: events, total: paging.total, opens: false, closes: ending)
            actions.append(.send(.history(block)))
        }
        guard !ending, let after = events.last?.id else {
            self.paging = nil
            return actions + join(member, seenThrough: paging.through)
        }
        paging.after = after
        self.paging = paging
        return actions + nextPage()
    }

    /// The next page of a catch-up, if one is owed and the member is under its budget.
    private mutating func nextPage() -> [ConnectionAction] {
        guard var paging, !paging.reading, writable else { return [] }
        paging.reading = true
        self.paging = paging
        return [.readCatchUpPage(after: paging.after, through: paging.through)]
    }

    /// The catch-up is sent: live events from now on, and the join is stored (a watcher's is not:
    /// it is live at once, and handles what queued up).
    private mutating func join(_ member: Member, seenThrough: Int64) -> [ConnectionAction] {
        let live: [ConnectionAction] = [.goLive(seenThrough: seenThrough)]
        if member.watching {
            state = .live(member, waiting: nil)
            return live + resume()
        }
        state = .joining(member)
        return live + [.recordJoin(event(.join, by: member.name))]
    }

    /// The join is committed: the member is live.
    public mutating func joinStored() -> [ConnectionAction] {
        guard case .joining(let member) = state else { return [] }
        state = .live(member, waiting: nil)
        return resume()
    }

    /// The join could not be stored: the member is told and leaves; no leave is recorded.
    public mutating func joinFailed(_ reason: String) -> [ConnectionAction] {
        guard case .joining(let member) = state else { return [] }
        queue = []
        let told: [ConnectionAction] = [.send(.error(.joinNotStored(reason))), .leaveRoom(name: member.name)]
        if inputClosed {
            state = .closed
            return told + [.closed(stopping ?? .connectionLost)]
        }
        state = .quitting(name: nil)
        return told + [.finish(nil)]
    }

    /// The history asked for was read.
    public mutating func historyRead(_ events: [Event]) -> [ConnectionAction] {
        guard case .live(let member, waiting: .history) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.send(.history(HistoryBlock(purpose: .request, events: events)))] + resume()
    }

    /// The rate-limit delay is over: the request that waited is handled.
    public mutating func delayOver() -> [ConnectionAction] {
        guard case .live(let member, waiting: .delayed(let request)) = state else { return [] }
        state = .live(member, waiting: nil)
        return perform(request, as: member) + resume()
    }

    /// A message could not be stored: only its sender hears.
    public mutating func storeFailed(_ reason: String) -> [ConnectionAction] {
        switch state {
        case .live, .joining, .catchingUp: return [.send(.error(.notStored(reason)))]
        default: return []
        }
    }

    /// The quit's leave is committed, and its fan-out handed on: goodbye.
    public mutating func leaveCommitted() -> [ConnectionAction] {
        guard case .quitting(let name) = state else { return [] }
        // Out of the room as soon as the room has seen the leave: the name is free again.
        let left: [ConnectionAction] = name.map { [.leaveRoom(name: $0)] } ?? []
        guard inputClosed else {
            state = .quitting(name: nil)
            return left + [.finish(.goodbye)]
        }
        // The connection closed while the leave was being stored.
        state = .closed
        return left + [.closed(.quit)]
    }

    // MARK: Handling lines

    private var canRead: Bool {
        guard writable, !inputClosed, stopping == nil, queue.isEmpty else { return false }
        switch state {
        case .naming, .live(_, waiting: nil): return true
        default: return false
        }
    }

    /// Handles what queued up until a step waits or the member is over its outbound budget;
    /// then closes if the channel closed meanwhile, or reads on.
    private mutating func resume() -> [ConnectionAction] {
        var actions: [ConnectionAction] = []
        while writable, case .live(_, waiting: nil) = state, !queue.isEmpty {
            actions += handle(queue.removeFirst())
        }
        guard case .live(let member, waiting: nil) = state, queue.isEmpty else { return actions }
        if inputClosed { return actions + leave(member) }
        return actions + readComplete()
    }

    private mutating func handle(_ input: DoorInput) -> [ConnectionAction] {
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

    private mutating func introduce(_ request: Request) -> [ConnectionAction] {
        switch request {
        case .join(let join) where join.watch:
            // A watcher takes no name from the room: the one asked for (cleaned) is only for its
            // welcome and the log, so it is never numbered nor refused as reserved.
            let normalized = NameRules.normalize(join.name)
            let name = normalized.isEmpty ? NameRules.defaultName : normalized
            let limiter = TokenBucket(
                rate: configuration.requestsPerSecond, burst: configuration.requestBurst, now: now())
            let change = NameChange.from(typed: join.name, requested: name, name: name)
            state = .catchingUp(Member(name: name, watching: true, limiter: limiter), requested: name, change: change)
            return [.catchUp(name: name, join)]
        case .join(let join):
            let normalized = NameRules.normalize(join.name)
            if NameRules.isReserved(normalized) { return [.send(.error(.nameReserved(normalized)))] }
            let requested = normalized.isEmpty ? NameRules.defaultName : normalized
            let name = room.admit(connection, as: requested)
            let limiter = TokenBucket(
                rate: configuration.requestsPerSecond, burst: configuration.requestBurst, now: now())
            let change = NameChange.from(typed: join.name, requested: requested, name: name)
            state = .catchingUp(Member(name: name, limiter: limiter), requested: requested, change: change)
            return [.catchUp(name: name, join)]
        case .quit:
            return quitUnnamed()
        default:
            return [.send(.error(.joinFirst))]
        }
    }

    private mutating func ask(_ request: Request, from member: Member) -> [ConnectionAction] {
        var member = member
        switch request {
        case .join:
            return [.send(.error(.alreadyJoined))]
        case .quit where member.watching:
            // Nothing to record: out of the fan-out, then goodbye.
            state = .quitting(name: nil)
            return [.leaveRoom(name: member.name), .finish(.goodbye)]
        case .quit:
            state = .quitting(name: member.name)
            return [.recordQuit(event(.leave, by: member.name, reason: .quit))]
        case .say where member.watching, .act where member.watching:
            return [.send(.error(.watchOnly))]
        case .say(let text, _), .act(let text, _):
            if text.trimmingWhitespace.isEmpty { return [.send(.error(.emptyMessage))] }
            // The one check of a message's length, for every door: its text as it would be stored.
            let bytes = text.utf8.count
            if bytes > configuration.maxMessageBytes {
                return [.send(.error(.lineTooLong(bytes: bytes, limit: configuration.maxMessageBytes)))]
            }
        case .who, .history, .help:
            break
        case .enter, .switchTo, .part, .rooms, .topic, .privateMessage, .rename:
            return [.send(.error(.unknownCommand("rooms")))]
        }
        // Every request that makes output or an event takes a token.
        let wait = member.limiter.take(now: now())
        guard wait > 0 else {
            state = .live(member, waiting: nil)
            return perform(request, as: member)
        }
        var actions: [ConnectionAction] = []
        if !member.warned {
            member.warned = true
            actions.append(.send(.notice(.rateLimited(rate: member.limiter.rate))))
        }
        state = .live(member, waiting: .delayed(request))
        return actions + [.delay(seconds: wait)]
    }

    /// Does what a live member asked, its token taken.
    private mutating func perform(_ request: Request, as member: Member) -> [ConnectionAction] {
        switch request {
        case .say(let text, _): return [.record(event(.message, by: member.name, text: text))]
        case .act(let text, _): return [.record(event(.action, by: member.name, text: text))]
        case .who: return [.send(.who(names: room.names))]
        case .help: return [.send(.help)]
        case .enter, .switchTo, .part, .rooms, .topic, .privateMessage, .rename: return []
        case .history(let limit, _):
            state = .live(member, waiting: .history)
            return [.readHistory(limit: limit ?? configuration.history)]
        case .join, .quit: return []
        }
    }

    /// Leaves before joining: nothing to record.
    private mutating func quitUnnamed() -> [ConnectionAction] {
        state = .quitting(name: nil)
        return [.close]
    }

    /// A live member's connection is closed: out of the room, its leave recorded.
    private mutating func leave(_ member: Member) -> [ConnectionAction] {
        state = .closed
        let reason = stopping ?? .connectionLost
        if member.watching { return [.leaveRoom(name: member.name), .closed(reason)] }
        return [
            .leaveRoom(name: member.name), .record(event(.leave, by: member.name, reason: reason)), .closed(reason),
        ]
    }

    private func event(_ kind: EventKind, by name: String, text: String = "", reason: LeaveReason? = nil) -> NewEvent {
        NewEvent(kind: kind, room: room.name, user: name, text: text, connection: connection, reason: reason)
    }
}

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
public struct ConnectionStateMachine {
    public enum State: Sendable, Equatable {
        /// Not yet started.
        case greeting
        /// Greeted; waiting for a name (or a hello), or for a registered name's password.
        case naming
        /// The name given (`name`) is being checked against the accounts, or claimed across the
        /// nodes (`CoreConfiguration.namesShared`); lines wait.
        case identifying(name: String)
        /// Named; the rooms of its hello are being entered (each room's catch-up read and sent).
        case catchingUp(Member, requested: String, change: NameChange?)
        /// Sent its catch-ups; its joins are being stored.
        case joining(Member)
        /// Joined; `waiting` is a step that waits.
        case live(Member, waiting: Waiting?)
        /// Leaving: its quit is being recorded or the connection is closing.
        case quitting(name: String?)
        case closed
    }

    /// A live member's step that waits.
    public enum Waiting: Sendable, Equatable {
        /// A room's history is being read.
        case history(String)
        /// The rate limit: the request is handled once the delay is over.
        case delayed(Request)
        /// Entering a room: its catch-up is read and sent, then its join stored.
        case entering(String)
        /// Leaving a room: the part is being stored.
        case parting(String)
        /// Taking a new name: the renames are being stored.
        case renaming(String)
        /// A room's new topic or modes are being stored.
        case changingRoom(String)
        /// The member's name is being registered.
        case registering
        /// A new name is being checked against the accounts (`/nick`).
        case checkingName(String)
        /// A new name is being claimed across the nodes (`CoreConfiguration.namesShared`).
        case claimingName(String)
        /// The recipient of a private message, not present here, is being looked up across the
        /// nodes; the request is sent once found.
        case findingName(Request)
        /// An operator's act is being stored and carried out.
        case moderating
        /// An operator account's password is being checked (`Request.elevate`).
        case elevating(String)
        /// A search is being read.
        case searching
    }

    /// A hello admitted here whose name is being claimed across the nodes.
    struct Claiming {
        var join: JoinRequest
        var role: AccountRole?
        var requested: String
        var name: String
        var resumesPrivate: Bool
        /// Who holds a name that looks like `requested`, here or on another node.
        var holder: String?
        /// The name keys other nodes refused: the next try is numbered past them.
        var takenElsewhere: Set<String>
    }

    /// The most names a hello tries across the nodes before it is told to try again.
    static let maxClaims = 20

    /// A catch-up sent a page at a time, each read once the member is under its budget.
    struct Paging: Equatable {
        var after: Int64
        var through: Int64
        var total: Int?
        var reading = false
    }

    /// A room being entered.
    struct Entry: Equatable {
        var room: String
        var resumeAfter: Int64?
        /// The first room of a hello: the welcome goes before its history.
        var first: Bool
        var paging: Paging?
    }

    /// A joined member, or a watcher.
    public struct Member: Sendable, Equatable {
        public var name: String
        /// Watching: not in the rooms' lists, nothing recorded for it, messages refused.
        public var watching = false
        /// The rooms it is in, in the order entered.
        public var rooms: [String] = []
        /// The room its lines go to.
        public var current: String
        /// The role of its account; nil: a guest.
        public var role: AccountRole?
        /// Came in without a room (`JoinRequest.roomless`): may leave every room.
        public var roomless = false
        /// Its name is proven (an account's password, or the token of a resume), so its searches
        /// cover the private messages of that name; a name alone, or a new one, is no proof.
        public var ownsPrivate = false
        var limiter: TokenBucket
        /// New rooms it may make.
        var creations: TokenBucket
        var warned = false

        /// The member's room called `typed` (any case, `#` optional); nil `typed`: the current one.
        func room(_ typed: String?) -> String? {
            guard let typed else { return rooms.isEmpty ? nil : current }
            guard case .success(let name) = Room.name(typed) else { return nil }
            return rooms.first { Room.key($0) == Room.key(name) }
        }
    }

    public private(set) var state = State.greeting
    /// Lines read while a step waits.
    public private(set) var queue: [DoorInput] = []
    /// Why the server ends the connection, once it does (the first reason wins).
    public private(set) var stopping: LeaveReason?
    private var inputClosed = false
    private var writable = true
    private var nameTimerArmed = false
    /// Lines came while naming (none of them named the connection yet).
    private var linesWhileNaming = false
    /// The room being entered, and its catch-up's paging.
    private var entry: Entry?
    /// A hello's rooms still to enter, the history it asked for, where its private messages resume,
    /// its token, and what could not be done (told after the welcome).
    private var pendingRooms: [RoomResume] = []
    private var helloHistory: Int?
    private var privateAfter: Int64?
    private var token: String?
    private var helloFailures: [Failure] = []
    /// The hello whose name is being checked (`identifying`), or whose password is asked for.
    private var pendingJoin: JoinRequest?
    /// The name timeout passed while the name was being checked.
    private var nameTimedOut = false
    /// The hello whose name is being claimed across the nodes (`identifying`).
    private var claiming: Claiming?
    /// Another node recorded this connection's leaves (it reaped this node): none are recorded here.
    private var leavesRecordedElsewhere = false
    private let connection: Int64
    /// Where the connection comes from (set by `start(peer:)`).
    public private(set) var peer = Peer.unknown
    private let directory: ChatDirectory
    private let configuration: CoreConfiguration
    private let accounts: Accounts
    private let session: Int64
    private let now: () -> Double
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

    // MARK: Entering rooms

    /// A room's catch-up was read (an empty one when the read failed).
    public mutating func caughtUp(_ catchUp: CatchUp) -> [ConnectionAction] {
        guard var entry, entry.paging == nil, Room.key(entry.room) == Room.key(catchUp.room) else { return [] }
        var replies: [ConnectionAction] = []
        switch state {
        case .catchingUp(let member, let requested, let change) where entry.first:
            replies = welcome(member, requested: requested, change: change)
        case .catchingUp, .live(_, waiting: .entering):
            let topic = directory.topic(of: entry.room)?.text ?? ""
            replies = [.send(.joined(room: entry.room, topic: topic, names: directory.names(in: entry.room)))]
        default:
            return []
        }
        let paged = catchUp.isPaged && stopping == nil && !inputClosed
        let history =
            catchUp.isPaged
            ? HistoryBlock(
                catchUpPage: catchUp.events, gap: catchUp.gap, total: catchUp.total, opens: true, closes: !paged,
                room: entry.room)
            : HistoryBlock(purpose: .catchUp, events: catchUp.events, gap: catchUp.gap, room: entry.room)
        // Once the server is stopping, its notice is already on the way: nothing more to say.
        replies = stopping == nil ? replies + [.send(.history(history))] : []
        if paged, let through = catchUp.through {
            // The rest a page at a time, each once the member is under its budget.
            entry.paging = Paging(
                after: catchUp.events.last?.id ?? catchUp.gap?.resumedAfter ?? catchUp.resumeAfter ?? 0,
                through: through, total: catchUp.total)
            self.entry = entry
            return replies + nextPage()
        }
        self.entry = nil
        return replies + entered(entry.room, seenThrough: catchUp.seenThrough)
    }

    /// The welcome of a hello, the name it got if not the one asked for, and what it asked for
    /// that could not be done.
    private mutating func welcome(_ member: Member, requested: String, change: NameChange?) -> [ConnectionAction] {
        let welcome = Reply.welcome(
            name: member.name, requested: requested, session: session, room: member.current,
            token: member.watching ? nil : token)
        var replies: [ConnectionAction] = [.send(welcome)] + (change.map { [.send(.notice(.nameChanged($0)))] } ?? [])
        replies += helloFailures.map { .send(.error($0)) }
        helloFailures = []
        return replies
    }

    /// A page of a catch-up sent in pages was read (an empty one when the read failed).
    public mutating func catchUpPageRead(_ events: [Event]) -> [ConnectionAction] {
        guard var entry, var paging = entry.paging, paging.reading else { return [] }
        paging.reading = false
        let last = events.last.map { $0.id >= paging.through } ?? true
        let ending = last || stopping != nil || inputClosed
        var actions: [ConnectionAction] = []
        if stopping == nil {
            let block = HistoryBlock(
                catchUpPage: events, total: paging.total, opens: false, closes: ending, room: entry.room)
            actions.append(.send(.history(block)))
        }
        guard !ending, let after = events.last?.id else {
            self.entry = nil
            return actions + entered(entry.room, seenThrough: paging.through)
        }
        paging.after = after
        entry.paging = paging
        self.entry = entry
        return actions + nextPage()
    }

    /// The next page of a catch-up, if one is owed and the member is under its budget.
    private mutating func nextPage() -> [ConnectionAction] {
        guard var entry, var paging = entry.paging, !paging.reading, writable else { return [] }
        paging.reading = true
        entry.paging = paging
        self.entry = entry
        return [.readCatchUpPage(room: entry.room, after: paging.after, through: paging.through)]
    }

    /// Starts entering `room`: its live events are held back while its catch-up is read.
    private mutating func startEntry(_ room: RoomResume, first: Bool) -> [ConnectionAction] {
        entry = Entry(room: room.room, resumeAfter: room.resumeAfter, first: first)
        return [.enter(room: room.room, resumeAfter: room.resumeAfter, history: helloHistory)]
    }

    /// `room`'s catch-up is sent: its live events from now on. A hello goes on with its next room,
    /// then its private messages, then stores its joins; a live member stores its join.
    private mutating func entered(_ room: String, seenThrough: Int64) -> [ConnectionAction] {
        let live: [ConnectionAction] = [.goLive(room: room, seenThrough: seenThrough)]
        switch state {
        case .catchingUp(var member, let requested, let change):
            member.rooms.append(room)
            state = .catchingUp(member, requested: requested, change: change)
            return live + helloGoesOn(member)
        case .live(var member, waiting: .entering):
            guard !member.watching else {
                member.rooms.append(room)
                member.current = room
                state = .live(member, waiting: nil)
                return live + [.roomsChanged(current: room, rooms: member.rooms)] + resume()
            }
            return live + [.recordJoin(event(.join, by: member.name, in: room))]
        default:
            return live
        }
    }

    /// A hello's room is entered: on with its next room, then its private messages, then its joins.
    private mutating func helloGoesOn(_ member: Member) -> [ConnectionAction] {
        let goingOn = stopping == nil && !inputClosed
        if goingOn, !pendingRooms.isEmpty { return startEntry(pendingRooms.removeFirst(), first: false) }
        pendingRooms = []
        if goingOn, let after = privateAfter {
            privateAfter = nil
            return [.readPrivate(name: member.name, after: after)]
        }
        let mailbox: [ConnectionAction] = member.watching ? [] : [.goLive(room: Room.privateName, seenThrough: 0)]
        return mailbox + joinAll(member)
    }

    /// A hello's private messages since its `privateAfter` were read, up to `through`.
    public mutating func privateRead(_ events: [Event], through: Int64) -> [ConnectionAction] {
        guard case .catchingUp(let member, _, _) = state else { return [] }
        var actions: [ConnectionAction] = []
        if stopping == nil, !events.isEmpty {
            actions.append(.send(.history(HistoryBlock(purpose: .catchUp, events: events, room: Room.privateName))))
        }
        return actions + [.goLive(room: Room.privateName, seenThrough: through)] + joinAll(member)
    }

    /// A hello's catch-ups are sent: its joins are stored (a watcher's are not: it is live at
    /// once, and handles what queued up).
    private mutating func joinAll(_ member: Member) -> [ConnectionAction] {
        if member.watching || member.rooms.isEmpty {
            state = .live(member, waiting: nil)
            return [.roomsChanged(current: member.current, rooms: member.rooms)] + resume()
        }
        state = .joining(member)
        return [.recordJoins(member.rooms.map { event(.join, by: member.name, in: $0) })]
    }

    /// The joins of a hello are committed: the member is live.
    public mutating func joinStored() -> [ConnectionAction] {
        guard case .joining(let member) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.roomsChanged(current: member.current, rooms: member.rooms)] + resume()
    }

    /// The joins of a hello could not be stored: the member is told and leaves; no leave is recorded.
    public mutating func joinFailed(_ reason: String) -> [ConnectionAction] {
        guard case .joining(let member) = state else { return [] }
        queue = []
        let told: [ConnectionAction] = [.send(.error(.joinNotStored(reason))), .leaveServer(name: member.name)]
        if inputClosed {
            state = .closed
            return told + [.closed(stopping ?? .connectionLost)]
        }
        state = .quitting(name: nil)
        return told + [.finish(nil)]
    }

    /// The join of a room entered while live is committed: it is the current room now.
    public mutating func roomJoinStored() -> [ConnectionAction] {
        guard case .live(var member, waiting: .entering(let room)) = state else { return [] }
        member.rooms.append(room)
        member.current = room
        state = .live(member, waiting: nil)
        return [.roomsChanged(current: room, rooms: member.rooms)] + resume()
    }

    /// The join of a room entered while live could not be stored: the member stays out of it.
    public mutating func roomJoinFailed(_ reason: String) -> [ConnectionAction] {
        guard case .live(let member, waiting: .entering(let room)) = state else { return [] }
        directory.leave(connection, room: room)
        state = .live(member, waiting: nil)
        return [.unsubscribe(room: room), .send(.error(.notStored(reason)))] + resume()
    }

    // MARK: Other steps that waited

    /// The history asked for was read.
    public mutating func historyRead(_ events: [Event]) -> [ConnectionAction] {
        guard case .live(let member, waiting: .history(let room)) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.send(.history(HistoryBlock(purpose: .request, events: events, room: room)))] + resume()
    }

    /// The search asked for was read.
    public mutating func searchRead(_ results: SearchResults) -> [ConnectionAction] {
        guard case .live(let member, waiting: .searching) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.send(.searchResults(results))] + resume()
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

    /// A part is committed (and fanned out): out of the room.
    public mutating func partStored() -> [ConnectionAction] {
        guard case .live(var member, waiting: .parting(let room)) = state else { return [] }
        member.rooms.removeAll { Room.key($0) == Room.key(room) }
        if Room.key(member.current) == Room.key(room) { member.current = member.rooms.last ?? directory.defaultRoom }
        directory.leave(connection, room: room)
        state = .live(member, waiting: nil)
        return [
            .unsubscribe(room: room), .roomsChanged(current: member.current, rooms: member.rooms),
            .send(.parted(room: room, current: member.current)),
        ] + resume()
    }

    /// A part could not be stored: the member stays in the room.
    public mutating func partFailed(_ reason: String) -> [ConnectionAction] {
        guard case .live(let member, waiting: .parting) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.send(.error(.notStored(reason)))] + resume()
    }

    /// A topic or a mode change is committed: the next line may ask for it.
    public mutating func roomChangeStored() -> [ConnectionAction] {
        guard case .live(let member, waiting: .changingRoom) = state else { return [] }
        state = .live(member, waiting: nil)
        return resume()
    }

    /// A topic or a mode change could not be stored: the room stays as it was.
    public mutating func roomChangeFailed(_ reason: String) -> [ConnectionAction] {
        guard case .live(let member, waiting: .changingRoom) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.send(.error(.notStored(reason)))] + resume()
    }

    /// The renames are committed: the member has its new name.
    public mutating func renameStored() -> [ConnectionAction] {
        guard case .live(var member, waiting: .renaming(let new)) = state else { return [] }
        let old = member.name
        member.name = new
        member.ownsPrivate = false
        state = .live(member, waiting: nil)
        return [.movePrivate(from: old, to: new), .send(.renamed(from: old, to: new))] + resume()
    }

    /// The renames could not be stored: the member keeps its name.
    public mutating func renameFailed(_ reason: String) -> [ConnectionAction] {
        guard case .live(let member, waiting: .renaming(let new)) = state else { return [] }
        _ = directory.rename(connection, from: new, to: member.name)
        state = .live(member, waiting: nil)
        return [.send(.error(.notStored(reason)))] + resume()
    }

    /// The quit's leaves are committed, and their fan-out handed on: goodbye.
    public mutating func leaveCommitted() -> [ConnectionAction] {
        guard case .quitting(let name) = state else { return [] }
        // Out of the rooms as soon as they have seen the leave: the name is free again.
        let left: [ConnectionAction] = name.map { [.leaveServer(name: $0)] } ?? []
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
        case .join(let join):
            let normalized = NameRules.normalize(join.name)
            if !join.watch, NameRules.isReserved(normalized) { return [.send(.error(.nameReserved(normalized)))] }
            pendingJoin = nil
            // A watcher takes no name, so it needs no account, unless the server admits none but
            // registered names.
            if join.watch && !accounts.requireAccount { return admit(join, role: nil) }
            let name = normalized.isEmpty ? NameRules.defaultName : normalized
            pendingJoin = join
            state = .identifying(name: name)
            if let outcome = accounts.outcomeWithoutLookup(name: name, password: join.password, peer: peer) {
                return loginChecked(outcome)
            }
            return [.logIn(name: name, password: join.password)]
        case .password(let password):
            guard var join = pendingJoin else { return [.send(.error(.joinFirst))] }
            join.password = password
            return introduce(.join(join))
        case .quit:
            return quitUnnamed()
        default:
            return [.send(.error(.joinFirst))]
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

    /// The name was checked against the accounts (`Accounts.login`).
    public mutating func loginChecked(_ outcome: LoginOutcome) -> [ConnectionAction] {
        guard case .identifying = state, var join = pendingJoin else { return [] }
        state = .naming
        var actions: [ConnectionAction]
        switch outcome {
        case .guest:
            pendingJoin = nil
            actions = admit(join, role: nil)
        case .account(let name, let role):
            pendingJoin = nil
            join.name = name
            actions = admit(join, role: role)
        case .passwordNeeded(let account):
            // The plain door's next line is the password; a JSON client sends its hello again.
            join.password = nil
            pendingJoin = join
            actions = [.send(.passwordNeeded(name: account))]
        case .refused(let failure):
            pendingJoin = nil
            actions = [.send(.error(failure))]
        case .banned(let failure):
            pendingJoin = nil
            stopping = .banned
            state = .quitting(name: nil)
            let cancel: [ConnectionAction] = nameTimerArmed ? [.cancelNameTimer] : []
            nameTimerArmed = false
            return cancel + [.finish(.error(failure))]
        }
        return namingGoesOn(actions)
    }

    /// After a check of a hello's name: once named, the name timer stops; while a claim across
    /// the nodes is on its way, everything waits for it; still naming, the lines that came
    /// meanwhile are handled, unless the time is up or the connection closed.
    private mutating func namingGoesOn(_ actions: [ConnectionAction]) -> [ConnectionAction] {
        var actions = actions
        if state.isIdentifying { return actions }
        if state != .naming {
            if nameTimerArmed {
                nameTimerArmed = false
                actions.insert(.cancelNameTimer, at: 0)
            }
            return actions
        }
        // The name timer fired meanwhile, or already had (a silent newcomer's default name was
        // refused): no more tries.
        if nameTimedOut || inputClosed || !nameTimerArmed {
            nameTimerArmed = false
            pendingJoin = nil
            if inputClosed {
                state = .closed
                return actions + [.closed(stopping ?? .connectionLost)]
            }
            return actions + [.send(.error(.noNameInTime))] + quitUnnamed()
        }
        // Lines that came meanwhile, in order, until one starts another check.
        while state == .naming, !queue.isEmpty { actions += handle(queue.removeFirst()) }
        return actions + readComplete()
    }

    /// Admits a checked hello: its name (a guest's, or an account's with `role`) is taken and its
    /// rooms are entered.
    private mutating func admit(
        _ join: JoinRequest, role: AccountRole?, takenElsewhere: Set<String> = [], holder elsewhere: String? = nil
    ) -> [ConnectionAction] {
        let normalized = NameRules.normalize(join.name)
        let requested = normalized.isEmpty ? NameRules.defaultName : normalized
        var name = requested
        var resumesPrivate = false
        var holder: String?
        if join.exactName, !join.watch {
            guard let claimed = directory.claim(connection, as: requested) else {
                return [.send(.error(.taken(requested, holder: directory.person(requested) ?? requested)))]
            }
            token = claimed
        } else if !join.watch {
            // A watcher takes no name: the one asked for (cleaned) is only for its welcome and
            // the log, so it is never numbered nor refused as reserved.
            (name, token, resumesPrivate, holder) = directory.admit(
                connection, as: requested, token: join.token, avoiding: takenElsewhere)
        }
        guard configuration.namesShared, !join.watch else {
            return admitted(
                join, role: role, requested: requested, name: name, resumesPrivate: resumesPrivate, holder: holder)
        }
        claiming = Claiming(
            join: join, role: role, requested: requested, name: name, resumesPrivate: resumesPrivate,
            holder: holder ?? elsewhere, takenElsewhere: takenElsewhere)
        state = .identifying(name: name)
        return [.claimName(name)]
    }

    /// The name of a hello taken (here, and across the nodes when they share names): its rooms are
    /// entered.
    private mutating func admitted(
        _ join: JoinRequest, role: AccountRole?, requested: String, name: String, resumesPrivate: Bool,
        holder: String?
    ) -> [ConnectionAction] {
        var resumesPrivate = resumesPrivate
        // An account's password is proof enough for its private messages.
        if role != nil, name == requested { resumesPrivate = true }
        let rooms = join.roomless && join.rooms.isEmpty ? [] : enterable(join, name: name)
        var member = Member(
            name: name, watching: join.watch, current: rooms.last?.room ?? directory.defaultRoom,
            limiter: TokenBucket(
                rate: configuration.requestsPerSecond, burst: configuration.requestBurst, now: now()),
            creations: TokenBucket(
                rate: configuration.roomCreationsPerSecond, burst: configuration.roomCreationBurst, now: now()))
        member.role = role
        if role == .operator { directory.markServerOperator(connection) }
        member.roomless = join.roomless
        member.ownsPrivate = resumesPrivate && !join.watch
        let change = NameChange.from(typed: join.name, requested: requested, name: name, holder: holder)
        state = .catchingUp(member, requested: requested, change: change)
        helloHistory = join.history
        privateAfter = resumesPrivate ? join.privateAfter : nil
        pendingRooms = Array(rooms.dropFirst())
        let mailbox: [ConnectionAction] = join.watch ? [] : [.subscribePrivate(name: name)]
        guard let first = rooms.first else {
            // Roomless: welcomed at once; its rooms are entered later, one by one.
            return mailbox + welcome(member, requested: requested, change: change) + helloGoesOn(member)
        }
        return mailbox + startEntry(first, first: true)
    }

    /// The rooms a hello enters, spelled as the server does, each put in the directory (a
    /// watcher's are not); those that cannot be entered are told after the welcome. At least the
    /// default room.
    private mutating func enterable(_ join: JoinRequest, name: String) -> [RoomResume] {
        let asked =
            join.rooms.isEmpty ? [RoomResume(room: directory.defaultRoom, resumeAfter: join.resumeAfter)] : join.rooms
        var rooms: [RoomResume] = []
        for resume in asked {
            guard rooms.count < configuration.maxRoomsPerMember else {
                helloFailures.append(.tooManyRoomsForMember(limit: configuration.maxRoomsPerMember))
                break
            }
            let typed: String
            switch Room.name(resume.room) {
            case .failure(let problem):
                helloFailures.append(.badRoomName(problem))
                continue
            case .success(let valid): typed = valid
            }
            if rooms.contains(where: { Room.key($0.room) == Room.key(typed) }) { continue }
            if join.watch {
                rooms.append(RoomResume(room: directory.room(typed) ?? typed, resumeAfter: resume.resumeAfter))
                continue
            }
            switch directory.enter(connection, named: name, room: typed, maxRooms: configuration.maxRooms) {
            case .success(let room): rooms.append(RoomResume(room: room, resumeAfter: resume.resumeAfter))
            case .failure(let failure): helloFailures.append(failure)
            }
        }
        if rooms.isEmpty {
            let room = directory.defaultRoom
            if !join.watch {
                _ = directory.enter(connection, named: name, room: room, maxRooms: .max)
            }
            rooms = [RoomResume(room: room)]
        }
        return rooms
    }

    /// Checks what a live member asks, takes a token for it, and does it (or waits for the rate limit).
    private mutating func ask(_ request: Request, from member: Member) -> [ConnectionAction] {
        var member = member
        if request.isSpeech, let mute = accounts.mute(of: member.name) {
            return [.send(.error(.muted(Accounts.words(mute))))]
        }
        switch request.untagged {
        case .ping:
            return [.send(.pong)]
        case .join, .password:
            return [.send(.error(.alreadyJoined))]
        case .register where member.watching:
            return [.send(.error(.watchOnly))]
        case .register:
            if member.role != nil { return [.send(.error(.alreadyRegistered(member.name)))] }
            if accounts.registration == .closed { return [.send(.error(.registrationClosed))] }
            if !accounts.mayCarryPassword(peer) { return [.send(.error(.plaintextPassword))] }
        case .kick, .ban, .unban, .mute, .unmute:
            guard member.role == .operator, !member.watching else { return [.send(.error(.notOperator))] }
            switch request {
            case .kick(let name, _), .mute(let name, _, _), .unmute(let name):
                if directory.anyone(name) == nil, case .kick = request { return [.send(.error(.noSuchName(name)))] }
                if NameRules.normalize(name).isEmpty { return [.send(.error(.usage("/kick NAME [REASON]")))] }
            default:
                break
            }
        case .quit where member.watching:
            // Nothing to record: out of the fan-out, then goodbye.
            state = .quitting(name: nil)
            return [.leaveServer(name: member.name), .finish(.goodbye)]
        case .quit(let why):
            state = .quitting(name: member.name)
            return [
                .recordQuit(member.rooms.map { event(.leave, by: member.name, in: $0, text: why, reason: .quit) })
            ]
        case .say where member.watching, .act where member.watching, .notice where member.watching,
            .privateMessage where member.watching, .privateNotice where member.watching,
            .topic(_, .some) where member.watching, .rename where member.watching, .mode where member.watching,
            .elevate where member.watching, .tagMessage where member.watching,
            .privateTagMessage where member.watching, .kickFromRoom where member.watching:
            return [.send(.error(.watchOnly))]
        case .say(let text, let room), .act(let text, let room), .notice(let text, let room):
            if let failure = check(text) { return [.send(.error(failure))] }
            if let failure = floorRefused(member, in: room) { return [.send(.error(failure))] }
        case .tagMessage(let room):
            if let failure = floorRefused(member, in: room) { return [.send(.error(failure))] }
        case .privateMessage(let to, let text), .privateNotice(let to, let text):
            if let failure = check(text) { return [.send(.error(failure))] }
            if directory.person(to) == nil, !configuration.namesShared { return [.send(.error(.noSuchName(to)))] }
        case .privateTagMessage(let to):
            if directory.person(to) == nil, !configuration.namesShared { return [.send(.error(.noSuchName(to)))] }
        case .kickFromRoom(let typed, let name, _):
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed ?? member.current)))] }
            guard isOperator(member, in: room) else { return [.send(.error(.notRoomOperator(room)))] }
            if roomMember(name, in: room) == nil {
                guard let person = directory.anyone(name) else { return [.send(.error(.noSuchName(name)))] }
                return [.send(.error(.notInThatRoom(person, room: room)))]
            }
        case .tagged:
            break  // never: `untagged` took the tags off
        case .topic(let typed, let text):
            if let text, text.utf8.count > configuration.maxMessageBytes {
                return [.send(.error(.lineTooLong(bytes: text.utf8.count, limit: configuration.maxMessageBytes)))]
            }
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed ?? member.current)))] }
            if text != nil, directory.flags(of: room).contains(.topicLocked), !isOperator(member, in: room) {
                return [.send(.error(.notRoomOperator(room)))]
            }
        case .mode(let typed, let changes):
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed)))] }
            guard isOperator(member, in: room) else { return [.send(.error(.notRoomOperator(room)))] }
            let present = Set(directory.members(of: room).map { NameRules.skeleton($0.name) })
            for case .role(_, _, let name) in changes where !present.contains(NameRules.skeleton(name)) {
                if directory.person(name) == nil { return [.send(.error(.noSuchName(name)))] }
                return [.send(.error(.notInThatRoom(name, room: room)))]
            }
        case .elevate where member.role == .operator:
            return [.send(.nowOperator)]
        case .elevate:
            break
        case .history(_, let room):
            if member.room(room) == nil { return [.send(.error(.notInRoom(room ?? member.current)))] }
        case .historyWindow(_, let room):
            if member.room(room) == nil { return [.send(.error(.notInRoom(room)))] }
        case .who(let room?):
            if directory.room(room) == nil { return [.send(.error(.notInRoom(room)))] }
        case .switchTo(let typed):
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed)))] }
            return switchTo(room, member)
        case .enter(let typed, _):
            let name: String
            switch Room.name(typed) {
            case .failure(let problem): return [.send(.error(.badRoomName(problem)))]
            case .success(let valid): name = valid
            }
            if let room = member.room(name) { return switchTo(room, member) }
            if member.rooms.count >= configuration.maxRoomsPerMember {
                return [.send(.error(.tooManyRoomsForMember(limit: configuration.maxRoomsPerMember)))]
            }
            if directory.room(name) == nil, !member.watching {
                let wait = member.creations.takeIfAvailable(now: now())
                state = .live(member, waiting: nil)
                if wait > 0 { return [.send(.error(.roomsTooFast(seconds: wait)))] }
            }
        case .part(let typed, _):
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed ?? member.current)))] }
            if member.rooms.count == 1, !member.roomless { return [.send(.error(.lastRoom(room)))] }
        case .rename(let typed):
            let name = NameRules.normalize(typed)
            if name.isEmpty { return [.send(.error(.usage("/nick NAME")))] }
            if NameRules.isReserved(name) { return [.send(.error(.nameReserved(name)))] }
            if name == member.name { return [] }
            if let holder = directory.person(name), NameRules.skeleton(holder) != NameRules.skeleton(member.name) {
                return [.send(.error(.taken(name, holder: holder)))]
            }
        case .search(let words, _):
            if words.trimmingWhitespace.isEmpty { return [.send(.error(.usage("/search WORDS")))] }
        case .who, .help, .rooms:
            break
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

    /// Why `member` may not speak in `typed` (nil: the current room): not in it, or it is moderated
    /// and the member neither its operator nor voiced.
    private func floorRefused(_ member: Member, in typed: String?) -> Failure? {
        guard let room = member.room(typed) else { return .notInRoom(typed ?? member.current) }
        if directory.flags(of: room).contains(.moderated), !isOperator(member, in: room),
            !directory.roles(of: connection, in: room).contains(.voice)
        {
            return .moderatedRoom(room)
        }
        return nil
    }

    /// The one check of a message's text, for every door: not empty, and within the limit as it
    /// would be stored.
    private func check(_ text: String) -> Failure? {
        if text.trimmingWhitespace.isEmpty { return .emptyMessage }
        let bytes = text.utf8.count
        if bytes > configuration.maxMessageBytes {
            return .lineTooLong(bytes: bytes, limit: configuration.maxMessageBytes)
        }
        return nil
    }

    private mutating func switchTo(_ room: String, _ member: Member) -> [ConnectionAction] {
        var member = member
        member.current = room
        state = .live(member, waiting: nil)
        return [.roomsChanged(current: room, rooms: member.rooms), .send(.switched(room: room))]
    }

    /// Does what a live member asked, its token taken.
    /// `found`: the recipient of a private message, found on another node.
    private mutating func perform(_ request: Request, as member: Member, found: String? = nil) -> [ConnectionAction] {
        switch request {
        case .say(let text, let room):
            guard let room = member.room(room) else { return [] }
            return [.record(event(.message, by: member.name, in: room, text: text))]
        case .act(let text, let room):
            guard let room = member.room(room) else { return [] }
            return [.record(event(.action, by: member.name, in: room, text: text))]
        case .notice(let text, let room):
            guard let room = member.room(room) else { return [] }
            return [.record(event(.notice, by: member.name, in: room, text: text))]
        case .tagged(let inner, let tags):
            let actions = perform(inner, as: member, found: found)
            // Looked up across the nodes first: the tags wait with it.
            if case .live(let member, waiting: .findingName) = state {
                state = .live(member, waiting: .findingName(request))
            }
            return actions.map { action in
                guard case .record(var event) = action else { return action }
                event.clientTags = tags
                return .record(event)
            }
        case .tagMessage(let room):
            guard let room = member.room(room) else { return [] }
            return [.record(event(.tagMessage, by: member.name, in: room))]
        case .privateTagMessage(let to):
            guard let recipient = found ?? directory.person(to) else { return findRecipient(to, of: request, member) }
            return [
                .record(
                    NewEvent(
                        kind: .tagMessage, room: Room.privateName, user: member.name, connection: connection,
                        recipient: recipient))
            ]
        case .privateMessage(let to, let text), .privateNotice(let to, let text):
            guard let recipient = found ?? directory.person(to) else { return findRecipient(to, of: request, member) }
            let kind: EventKind = if case .privateNotice = request { .notice } else { .message }
            return [
                .record(
                    NewEvent(
                        kind: kind, room: Room.privateName, user: member.name, text: text, connection: connection,
                        recipient: recipient))
            ]
        case .mode(let typed, let changes):
            guard let room = member.room(typed) else { return [] }
            let events = modeEvents(changes, in: room, by: member.name)
            if events.isEmpty { return [] }
            state = .live(member, waiting: .changingRoom(room))
            return [.recordRoomChange(events)]
        case .elevate(let account, let password):
            state = .live(member, waiting: .elevating(account))
            return [.checkOperator(account: account, password: password)]
        case .who(let room):
            let room = room.flatMap { directory.room($0) } ?? member.current
            return [.send(.who(room: room, names: directory.names(in: room)))]
        case .help:
            return [.send(.help)]
        case .rooms:
            return [.send(.rooms(directory.summaries(for: connection)))]
        case .topic(let room, nil):
            guard let room = member.room(room) else { return [] }
            let topic = directory.topic(of: room)
            return [.send(.topic(room: room, text: topic?.text ?? "", by: topic?.by, timeMillis: topic?.timeMillis))]
        case .topic(let room, let text?):
            guard let room = member.room(room) else { return [] }
            state = .live(member, waiting: .changingRoom(room))
            return [.recordRoomChange([event(.topic, by: member.name, in: room, text: text)])]
        case .history(let limit, let room):
            guard let room = member.room(room) else { return [] }
            state = .live(member, waiting: .history(room))
            return [.readHistory(room: room, limit: limit ?? configuration.history)]
        case .historyWindow(let query, let room):
            guard let room = member.room(room) else { return [] }
            state = .live(member, waiting: .history(room))
            return [.readHistoryWindow(room: room, query: query)]
        case .search(let words, let limit):
            var scope = SearchScope.member(member.name, rooms: member.rooms, limit: limit)
            if !member.ownsPrivate { scope.privateMessages = .none }
            state = .live(member, waiting: .searching)
            return [.readSearch(words, scope: scope)]
        case .enter(let typed, let resumeAfter):
            guard case .success(let name) = Room.name(typed) else { return [] }
            var room = directory.room(name) ?? name
            if !member.watching {
                switch directory.enter(connection, named: member.name, room: name, maxRooms: configuration.maxRooms) {
                case .success(let entered): room = entered
                case .failure(let failure): return [.send(.error(failure))]
                }
            }
            state = .live(member, waiting: .entering(room))
            return startEntry(RoomResume(room: room, resumeAfter: resumeAfter), first: false)
        case .part(let typed, let why):
            guard let room = member.room(typed) else { return [] }
            state = .live(member, waiting: .parting(room))
            return [.recordPart(event(.leave, by: member.name, in: room, text: why, reason: .part))]
        case .rename(let typed):
            let new = NameRules.normalize(typed)
            // Another name (not another case of one's own) may be somebody's account: looked up first.
            if accounts.hasAccounts, NameRules.skeleton(new) != NameRules.skeleton(member.name) {
                state = .live(member, waiting: .checkingName(new))
                return [.checkName(new)]
            }
            return rename(member, to: new)
        case .register(let password, let invite):
            state = .live(member, waiting: .registering)
            return [.register(name: member.name, password: password, invite: invite)]
        case .kick(let typed, let reason):
            // Anyone in a room of any node: another node puts its member out (`SharedSanctions`).
            guard let target = directory.anyone(typed) else { return [.send(.error(.noSuchName(typed)))] }
            let removal = Moderation.Removal(name: target, reason: .kicked)
            return moderate(.none, .kick, target: target, text: reason, removing: removal, by: member)
        case .kickFromRoom(let typed, let name, let reason):
            // The member may be on another node: it is put out where the kick is delivered to it.
            guard let room = member.room(typed), let target = roomMember(name, in: room) else { return [] }
            let removal = Moderation.Removal(name: target, reason: .kicked, room: room)
            return moderate(.none, .roomKick, target: target, text: reason, removing: removal, by: member, in: room)
        case .ban(let typed, let seconds, let reason):
            let isAddress = ModerationTarget.isAddress(typed)
            let target = isAddress ? typed : directory.person(typed) ?? NameRules.normalize(typed)
            let change = Moderation.Change.impose(
                .ban, name: isAddress ? nil : target, address: isAddress ? typed : nil, seconds: seconds, reason: reason
            )
            let present = isAddress || directory.person(target) != nil
            let removal = Moderation.Removal(
                name: isAddress ? nil : target, address: isAddress ? typed : nil, reason: .banned)
            return moderate(
                change, .ban, target: target, text: Self.sanctionText(seconds, reason),
                removing: present ? removal : nil, by: member)
        case .unban(let typed):
            let isAddress = ModerationTarget.isAddress(typed)
            let target = isAddress ? typed : NameRules.normalize(typed)
            let change = Moderation.Change.lift(.ban, name: isAddress ? nil : target, address: isAddress ? typed : nil)
            return moderate(change, .unban, target: target, text: "", removing: nil, by: member)
        case .mute(let typed, let seconds, let reason):
            let target = directory.person(typed) ?? NameRules.normalize(typed)
            let change = Moderation.Change.impose(.mute, name: target, address: nil, seconds: seconds, reason: reason)
            return moderate(
                change, .mute, target: target, text: Self.sanctionText(seconds, reason), removing: nil, by: member)
        case .unmute(let typed):
            let target = directory.person(typed) ?? NameRules.normalize(typed)
            let change = Moderation.Change.lift(.mute, name: target, address: nil)
            return moderate(change, .unmute, target: target, text: "", removing: nil, by: member)
        case .switchTo, .join, .quit, .password, .ping:
            return []
        }
    }

    /// A private message to a name not present here: on nodes that share names, its holder is
    /// looked up across them first (`findName`); otherwise there is no such name.
    private mutating func findRecipient(_ to: String, of request: Request, _ member: Member) -> [ConnectionAction] {
        guard configuration.namesShared else { return [.send(.error(.noSuchName(to)))] }
        state = .live(member, waiting: .findingName(request))
        return [.findName(to)]
    }

    /// The recipient of a private message was looked up across the nodes: `holder` is its name as
    /// its holder spells it (nil: nobody holds it, or the nodes could not be asked).
    public mutating func nameFound(_ holder: String?) -> [ConnectionAction] {
        guard case .live(let member, waiting: .findingName(let request)) = state else { return [] }
        state = .live(member, waiting: nil)
        guard let holder else {
            let to: String
            switch request.untagged {
            case .privateMessage(let name, _), .privateNotice(let name, _), .privateTagMessage(let name): to = name
            default: to = ""
            }
            return [.send(.error(.noSuchName(to)))] + resume()
        }
        let actions = perform(request, as: member, found: holder)
        return actions + resume()
    }

    /// Whether `member` may change `room`'s modes: its operators, and the server's.
    /// `name` as a member of `room` (on any node) spells it; nil when no member has that name.
    private func roomMember(_ name: String, in room: String) -> String? {
        let key = NameRules.skeleton(name)
        return directory.members(of: room).first { NameRules.skeleton($0.name) == key }?.name
    }

    private func isOperator(_ member: Member, in room: String) -> Bool {
        member.role == .operator || directory.roles(of: connection, in: room).contains(.operator)
    }

    /// The events of the changes that change something, targets spelled as their holders spell them.
    private func modeEvents(_ changes: [RoomModeChange], in room: String, by name: String) -> [NewEvent] {
        var flags = directory.flags(of: room)
        // On every node: a member of another node is named as its node spells it.
        var members = Dictionary(
            directory.members(of: room).map { (NameRules.skeleton($0.name), $0) }, uniquingKeysWith: { a, _ in a }
        )
        var events: [NewEvent] = []
        for change in changes {
            switch change {
            case .flag(let flag, let on):
                guard flags.contains(flag) != on else { continue }
                if on { flags.insert(flag) } else { flags.remove(flag) }
                events.append(event(.mode, by: name, in: room, text: change.text))
            case .role(let role, let on, let typed):
                let key = NameRules.skeleton(typed)
                guard let held = members[key]?.roles, held.contains(role) != on else { continue }
                members[key]?.roles = on ? held.union([role]) : held.subtracting([role])
                var event = event(.mode, by: name, in: room, text: change.text)
                event.target = members[key]?.name
                events.append(event)
            }
        }
        return events
    }

    /// An operator account's password was checked (`Request.elevate`).
    public mutating func operatorChecked(_ outcome: LoginOutcome) -> [ConnectionAction] {
        guard case .live(var member, waiting: .elevating(let account)) = state else { return [] }
        let reply: Reply
        switch outcome {
        case .account(_, .operator):
            member.role = .operator
            directory.markServerOperator(connection)
            reply = .nowOperator
        case .account(let name, _):
            reply = .error(.notAnOperatorAccount(name))
        case .refused(let failure), .banned(let failure):
            reply = .error(failure)
        case .guest, .passwordNeeded:
            reply = .error(.notAnOperatorAccount(account))
        }
        state = .live(member, waiting: nil)
        return [.send(reply)] + resume()
    }

    /// Takes the name `new` in the directory and stores the renames.
    private mutating func rename(_ member: Member, to new: String) -> [ConnectionAction] {
        guard directory.rename(connection, from: member.name, to: new) != nil else {
            let holder = directory.person(new) ?? new
            return [.send(.error(.taken(new, holder: holder)))]
        }
        guard configuration.namesShared else { return storeRename(member, to: new) }
        state = .live(member, waiting: .claimingName(new))
        return [.claimName(new)]
    }

    /// Stores the renames of a name taken.
    private mutating func storeRename(_ member: Member, to new: String) -> [ConnectionAction] {
        state = .live(member, waiting: .renaming(new))
        return [.recordRename(member.rooms.map { event(.rename, by: member.name, in: $0, text: new) })]
    }

    /// The name was claimed across the nodes (`ConnectionAction.claimName`). A hello goes on
    /// (taken: an exact name is refused as when taken here, any other numbered past it); a
    /// rename is stored, or refused and the old name kept. `failure`: the nodes could not be asked.
    public mutating func nameClaimed(_ outcome: Result<NameClaim, StoreError>) -> [ConnectionAction] {
        if case .live(let member, waiting: .claimingName(let new)) = state {
            return renameClaimed(member, to: new, outcome)
        }
        guard case .identifying = state, let claim = claiming else { return [] }
        claiming = nil
        state = .naming
        var actions: [ConnectionAction]
        switch outcome {
        case .success(.granted):
            actions = admitted(
                claim.join, role: claim.role, requested: claim.requested, name: claim.name,
                resumesPrivate: claim.resumesPrivate, holder: claim.holder)
        case .success(.taken(let holder)):
            directory.remove(connection, named: claim.name)
            let taken = claim.takenElsewhere.union([NameRules.skeleton(claim.name)])
            if claim.join.exactName {
                actions = [.send(.error(.taken(claim.requested, holder: holder?.name ?? claim.requested)))]
            } else if taken.count < Self.maxClaims {
                actions = admit(
                    claim.join, role: claim.role, takenElsewhere: taken, holder: claim.holder ?? holder?.name)
            } else {
                actions = [.send(.error(.taken(claim.requested, holder: claim.holder ?? claim.requested)))]
            }
        case .failure(let error):
            directory.remove(connection, named: claim.name)
            actions = [.send(.error(.notStored(error.message)))]
        }
        return namingGoesOn(actions)
    }

    /// A rename's claim across the nodes was answered: stored, or refused.
    private mutating func renameClaimed(
        _ member: Member, to new: String, _ outcome: Result<NameClaim, StoreError>
    ) -> [ConnectionAction] {
        let failure: Failure
        switch outcome {
        case .success(.granted): return storeRename(member, to: new)
        case .success(.taken(let holder)): failure = .taken(new, holder: holder?.name ?? new)
        case .failure(let error): failure = .notStored(error.message)
        }
        _ = directory.rename(connection, from: new, to: member.name)
        state = .live(member, waiting: nil)
        return [.send(.error(failure))] + resume()
    }

    /// The name a `/nick` asked for was looked up: somebody's account is refused.
    public mutating func nameChecked(registered: Bool) -> [ConnectionAction] {
        guard case .live(let member, waiting: .checkingName(let new)) = state else { return [] }
        state = .live(member, waiting: nil)
        if registered { return [.send(.error(.nameRegistered(new)))] + resume() }
        let actions = rename(member, to: new)
        if case .live(_, waiting: nil) = state { return actions + resume() }
        return actions
    }

    /// An operator's act: stored, recorded in `room` (the operator's current room unless given),
    /// then carried out.
    private mutating func moderate(
        _ change: Moderation.Change, _ kind: EventKind, target: String, text: String,
        removing removal: Moderation.Removal?, by member: Member, in room: String? = nil
    ) -> [ConnectionAction] {
        state = .live(member, waiting: .moderating)
        let event = NewEvent(
            kind: kind, room: room ?? member.current, user: member.name, text: text, connection: connection,
            target: target)
        return [.moderate(Moderation(change: change, event: event, removes: removal))]
    }

    /// A ban's or a mute's text in its event: how long, and why.
    static func sanctionText(_ seconds: Int?, _ reason: String) -> String {
        let length = seconds.map { "for " + DurationWords.text(seconds: $0) } ?? ""
        return [length, reason].filter { !$0.isEmpty }.joined(separator: ", ")
    }

    /// The name is registered now (or could not be).
    public mutating func registrationDone(_ result: Result<String, Failure>) -> [ConnectionAction] {
        guard case .live(var member, waiting: .registering) = state else { return [] }
        switch result {
        case .success(let name):
            member.role = .member
            state = .live(member, waiting: nil)
            return [.send(.registered(name: name))] + resume()
        case .failure(let failure):
            state = .live(member, waiting: nil)
            return [.send(.error(failure))] + resume()
        }
    }

    /// An operator's act was carried out (or `failure` says why not).
    public mutating func moderationDone(_ failure: Failure?) -> [ConnectionAction] {
        guard case .live(let member, waiting: .moderating) = state else { return [] }
        state = .live(member, waiting: nil)
        return (failure.map { [.send(.error($0))] } ?? []) + resume()
    }

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
    private mutating func quitUnnamed() -> [ConnectionAction] {
        state = .quitting(name: nil)
        return [.close]
    }

    /// A live member's connection is closed: out of its rooms, its leaves recorded.
    private mutating func leave(_ member: Member) -> [ConnectionAction] {
        state = .closed
        let reason = stopping ?? .connectionLost
        if member.watching || leavesRecordedElsewhere { return [.leaveServer(name: member.name), .closed(reason)] }
        return [.leaveServer(name: member.name)]
            + member.rooms.map { .record(event(.leave, by: member.name, in: $0, reason: reason)) } + [.closed(reason)]
    }

    private func event(
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

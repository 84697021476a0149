import ChatCore
import ChatModel
import ChatProtocol
import ChatStore
import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The server's end of one connection, on its event loop: it reads lines through its door,
/// feeds them and everything else that happens to the connection to its
/// `ConnectionStateMachine`, and executes the actions that come back. It decides nothing.
///
/// No task waits per connection (an idle connection costs its channel and this handler, not a
/// suspended task's frames). Needs the channel's `autoRead` off: the state machine asks for
/// each read.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = InboundLine

    /// Tells a connection the server is stopping (fired through its pipeline).
    struct ShutdownBegun: Sendable {
        var message: String?
        /// Another node recorded this node's leaves (it reaped this node): none are recorded here.
        var leavesRecorded = false
    }

    private let server: ConnectionServices
    private let connection: Int64
    private var machine: ConnectionStateMachine
    private var door: any Door
    /// The first line picked the door (a door keeps what it learns of the connection).
    private var doorChosen = false
    /// The door keeps state and answers lines by itself (not a `LineDoor`: IRC's): its lines wait
    /// for the steps and commits before them, and its outlet follows its format and filter.
    private var doorKeepsState = false
    /// The door the metrics count the connection under (nil: not yet counted).
    private var countedDoor: DoorLabel?
    private var outlet: Outlet?
    /// Named in the directory (a watcher is not).
    private var isMember = false
    /// Named (or a watcher's hello accepted): the server was told.
    private var named = false
    /// Set once the handler is added, and kept: completions that arrive after the close still
    /// run their actions (the leave, the end of the connection).
    private var channel: (any Channel)?
    private var peer: SocketAddress?
    private var nameTimer: Scheduled<Void>?
    /// Pings idle members of a door that can ping (see `ConnectionStateMachine.idle(for:)`).
    private var idleTimer: RepeatedTask?
    /// When the last line came (monotonic seconds).
    private var lastInput = ConnectionHandler.seconds()
    private var stallTimer: Scheduled<Void>?
    /// The write of the catch-up page sent last, until the next page is asked for.
    private var pageWritten: EventLoopFuture<Void>?
    /// Actions are being executed: what happens meanwhile (a write that fails and closes the
    /// channel) waits its turn, so the actions of one event never interleave with another's.
    private var executing = false
    private var deferred: [(inout ConnectionStateMachine) -> [ConnectionAction]] = []
    /// Lines read while a name is being checked: how to read them (a password, another name, a
    /// message) is known only once the check is done; and an IRC client's while a step waits. At
    /// most one read's worth: no read is asked for meanwhile.
    private var heldLines: [InboundLine] = []
    /// A read the state machine asked for while lines were held: done once they are handled.
    private var readDeferred = false
    /// Events of a door that waits for its commits (IRC's) not yet committed.
    private var unconfirmedRecords = 0
    /// Its name and rooms across the nodes, when they share names (PostgreSQL).
    private var shared: SharedMembership?

    /// The connection is TLS (its port's pipeline decrypts before this handler).
    private let encrypted: Bool

    init(services server: ConnectionServices, connection: Int64, encrypted: Bool = false) {
        self.server = server
        self.connection = connection
        self.encrypted = encrypted
        self.door = server.doors.fallback
        self.machine = ConnectionStateMachine(
            connection: connection, directory: server.core.directory, session: server.core.session,
            configuration: server.core.configuration, accounts: server.core.accounts, now: Self.seconds)
        machine.namesSilentNewcomers = door.namesSilentNewcomers
        doorKeepsState = !(door is any LineDoor)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
        peer = context.channel.remoteAddress
        if context.channel.isActive {
            server.logger.info("\(ChatServer.describe(peer)) connected\(encrypted ? " (TLS)" : "")")
            let about = Peer(
                address: peer?.ipAddress ?? "", isLoopback: peer.map(Admission.isLoopback) ?? false,
                encrypted: encrypted)
            let this = bound(context.channel)
            server.registry.add(
                connection, address: about.address,
                remove: { by, reason, why in
                    this.eventLoop.execute { this.value.apply { $0.removed(by: by, reason: reason, why: why) } }
                })
            // A port's only door is the connection's from the start; on the chat port the
            // first line picks it.
            if server.doors.doors.count == 1 { countDoor() }
            apply { $0.start(peer: about) }
        } else {
            apply { $0.channelInactive() }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastInput = Self.seconds()
        read(unwrapInboundIn(data))
    }

    /// Decodes `line` for where the connection is, and feeds it to the state machine.
    private func read(_ line: InboundLine, held: Bool = false) {
        apply { [self] machine in
            // After the lines held before it, if any.
            if (!held && !heldLines.isEmpty) || mustHold(machine, line) {
                if held { heldLines.insert(line, at: 0) } else { heldLines.append(line) }
                return []
            }
            let stage: DecodeStage =
                machine.expectsPassword ? .password : machine.state == .naming ? .naming : .live
            // A newcomer's line picks the door, on a port with several (whose doors keep nothing
            // between lines); a port's only door keeps what it learns of the connection.
            if !doorChosen || (stage == .naming && server.doors.doors.count > 1) {
                doorChosen = true
                door = server.doors.door(for: line)
                doorKeepsState = !(door is any LineDoor)
                countDoor()
                if door.pings, let channel { armIdleTimer(channel) }
            }
            var answer = channel?.allocator.buffer(capacity: 0) ?? ByteBuffer()
            let inputs = door.read(line, stage: stage, answer: &answer)
            if answer.readableBytes > 0 { channel?.writeAndFlush(answer, promise: nil) }
            if doorKeepsState, let outlet {
                outlet.format = door.format
                outlet.ownEvents = door.ownEvents
            }
            return inputs.flatMap { machine.lineRead($0) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        apply { $0.readComplete() }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        apply { $0.channelInactive() }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { outlet?.writable() }
        // Read when handled: writing the outlet's backlog may have filled the budget again.
        let channel = context.channel
        apply { $0.writabilityChanged(channel.isWritable) }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let shutdown = event as? ShutdownBegun else { return context.fireUserInboundEventTriggered(event) }
        apply { $0.shutdownBegun(message: shutdown.message, leavesRecorded: shutdown.leavesRecorded) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        server.logger.debug("\(ChatServer.describe(peer)) connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: Executing actions

    /// Feeds an event to the state machine and executes its actions, unless actions are being
    /// executed: then after them.
    private func apply(_ event: @escaping (inout ConnectionStateMachine) -> [ConnectionAction]) {
        deferred.append(event)
        guard !executing else { return }
        executing = true
        while !deferred.isEmpty {
            let event = deferred.removeFirst()
            for action in event(&machine) { execute(action) }
            if !named { noteNamed() }
        }
        executing = false
        // The check of a name is over (or the step a door waited for): the lines held are read.
        while let line = heldLines.first, !mustHold(machine, line), !executing {
            heldLines.removeFirst()
            read(line, held: true)
        }
        if readDeferred, heldLines.isEmpty, !executing {
            readDeferred = false
            channel?.read()
        }
    }

    /// Whether a line read now must wait in `heldLines`: while a name is checked, and for a door
    /// that answers lines by itself (IRC's), while the state machine is busy, so that its answers
    /// keep the order of the lines.
    private func mustHold(_ machine: ConnectionStateMachine, _ line: InboundLine) -> Bool {
        if machine.state.isIdentifying { return true }
        guard doorKeepsState else { return false }
        return machine.isBusy || (unconfirmedRecords > 0 && door.waitsForCommits(line))
    }

    /// Tells the server once the connection is named (no longer a newcomer, for `Admission`).
    private func noteNamed() {
        switch machine.state {
        case .catchingUp, .joining, .live:
            named = true
            server.joined(connection)
        case .greeting, .naming, .identifying, .quitting, .closed:
            break
        }
    }

    /// This handler, for completions that hop back to its event loop.
    private func bound(_ channel: any Channel) -> NIOLoopBound<ConnectionHandler> {
        NIOLoopBound(self, eventLoop: channel.eventLoop)
    }

    private func execute(_ action: ConnectionAction) {
        guard let channel else { return }
        switch action {
        case .send(let reply):
            var buffer = channel.allocator.buffer(capacity: 128)
            door.encode(reply, into: &buffer)
            if doorKeepsState { outlet?.ownEvents = door.ownEvents }
            guard buffer.readableBytes > 0 else { break }
            if case .history(let block) = reply, block.total != nil {
                // A page of a catch-up: the next is read once this one reached the kernel.
                pageWritten = channel.writeAndFlush(buffer)
            } else {
                channel.writeAndFlush(buffer, promise: nil)
            }
        case .read:
            // Held lines first: a read waits until they are handled.
            if heldLines.isEmpty { channel.read() } else { readDeferred = true }
        case .armNameTimer:
            let this = bound(channel)
            nameTimer = channel.eventLoop.scheduleTask(in: .seconds(server.configuration.nameTimeoutSeconds)) {
                this.value.apply { $0.nameTimerFired() }
            }
        case .cancelNameTimer:
            nameTimer?.cancel()
            nameTimer = nil
        case .subscribePrivate(let name):
            isMember = true
            let outlet = outlet(channel)
            outlet.subscribe(Room.privateName, hubKey: RoomHub.mailbox(name))
            server.hub.add(outlet, to: RoomHub.mailbox(name))
        case .enter(let room, let resumeAfter, let history):
            enter(room, resumeAfter: resumeAfter, history: history, channel: channel)
        case .goLive(let room, let seenThrough):
            outlet?.goLive(room.isEmpty ? room : Room.key(room), seenThrough: seenThrough)
        case .roomsChanged(let current, let rooms):
            outlet?.roomsChanged(current: current)
            shared?.update(rooms: rooms)
        case .unsubscribe(let room):
            if let outlet, let hubKey = outlet.unsubscribe(Room.key(room)) { server.hub.remove(outlet, from: hubKey) }
        case .movePrivate(let from, let to):
            guard let outlet else { break }
            server.hub.remove(outlet, from: RoomHub.mailbox(from))
            outlet.moveMailbox(to: RoomHub.mailbox(to))
            server.hub.add(outlet, to: RoomHub.mailbox(to))
        case .recordJoins(let events):
            let logger = server.logger
            recordAll(events, channel: channel) { machine, failure in
                guard let failure else { return machine.joinStored() }
                logger.error("join not stored: \(failure)")
                return machine.joinFailed(failure.message)
            }
        case .recordJoin(let event):
            recordAll([event], channel: channel) { machine, failure in
                failure.map { machine.roomJoinFailed($0.message) } ?? machine.roomJoinStored()
            }
        case .recordPart(let event):
            recordAll([event], channel: channel) { machine, failure in
                failure.map { machine.partFailed($0.message) } ?? machine.partStored()
            }
        case .recordRoomChange(let events):
            recordAll(events, channel: channel) { machine, failure in
                failure.map { machine.roomChangeFailed($0.message) } ?? machine.roomChangeStored()
            }
        case .recordRename(let events):
            recordAll(events, channel: channel) { machine, failure in
                failure.map { machine.renameFailed($0.message) } ?? machine.renameStored()
            }
        case .record(let event):
            record(event, channel: channel)
        case .recordQuit(let events):
            // The completion runs after the commit's fan-out was handed to the event loops, so
            // this comes after it.
            recordAll(events, channel: channel) { machine, _ in machine.leaveCommitted() }
        case .delay(let seconds):
            server.metrics?.rateLimited()
            let this = bound(channel)
            channel.eventLoop.scheduleTask(in: .seconds(seconds)) { this.value.apply { $0.delayOver() } }
        case .readCatchUpPage(let room, let after, let through):
            let core = server.core
            let written = pageWritten ?? channel.eventLoop.makeSucceededVoidFuture()
            pageWritten = nil
            let page = written.flatMapResult { _ in Result<Void, any Error>.success(()) }.flatMap {
                channel.eventLoop.makeFutureWithTask {
                    try await core.catchUpPage(room: room, after: after, through: through)
                }
            }
            whenRead(page, or: [], channel: channel) { $0.catchUpPageRead($1) }
        case .readPrivate(let name, let after):
            let core = server.core
            let read = channel.eventLoop.makeFutureWithTask {
                try await core.privateCatchUp(name: name, after: after)
            }
            whenRead(read, or: ([], after), channel: channel) { $0.privateRead($1.events, through: $1.through) }
        case .readHistory(let room, let limit):
            let core = server.core
            let read = channel.eventLoop.makeFutureWithTask {
                try await core.history(room: room, limit: limit)
            }
            whenRead(read, or: [], channel: channel) { $0.historyRead($1) }
        case .readHistoryWindow(let room, let query):
            let core = server.core
            let read = channel.eventLoop.makeFutureWithTask {
                try await core.history(room: room, query: query)
            }
            whenRead(read, or: [], channel: channel) { $0.historyRead($1) }
        case .readSearch(let words, let scope):
            let core = server.core
            let read = channel.eventLoop.makeFutureWithTask {
                try await core.search(words, scope: scope)
            }
            whenRead(read, or: SearchResults(query: words, hits: []), channel: channel) { $0.searchRead($1) }
        case .finish(let reply):
            finish(saying: reply, channel: channel)
        case .close:
            channel.close(promise: nil)
        case .armStallTimer:
            let this = bound(channel)
            stallTimer = channel.eventLoop.scheduleTask(in: .seconds(server.configuration.stallSeconds)) {
                this.value.apply { $0.stallTimerFired() }
            }
        case .cancelStallTimer:
            stallTimer?.cancel()
            stallTimer = nil
        case .leaveServer(let name):
            server.core.directory.remove(connection, named: name)
            shared?.release()
            if let outlet {
                for hubKey in outlet.hubKeys { server.hub.remove(outlet, from: hubKey) }
                self.outlet = nil
            }
            // A watcher leaving empties no room.
            if isMember { server.memberLeft() }
        case .logIn(let name, let password):
            logIn(name, password: password, channel: channel) { $0.loginChecked($1) }
        case .checkOperator(let account, let password):
            logIn(account, password: password, channel: channel) { $0.operatorChecked($1) }
        case .register(let name, let password, let invite):
            let (accounts, peer) = (server.core.accounts, machine.peer)
            let logger = server.logger
            let done = server.passwordPool.runIfActive(eventLoop: channel.eventLoop) {
                let result = accounts.register(name: name, password: password, invite: invite, peer: peer)
                if case .success = result { logger.notice("\(name) registered their name from \(peer.address)") }
                return result
            }
            whenRead(done, or: .failure(.accountsUnavailable("the server is stopping")), channel: channel) {
                $0.registrationDone($1)
            }
        case .moderate(let moderation):
            moderate(moderation, channel: channel)
        case .checkName(let name):
            let accounts = server.core.accounts
            let checked = server.passwordPool.runIfActive(eventLoop: channel.eventLoop) {
                accounts.isRegistered(name)
            }
            whenRead(checked, or: true, channel: channel) { $0.nameChecked(registered: $1) }
        case .claimName(let name):
            claimShared(name, channel: channel)
        case .findName(let name):
            if let presence = server.presence {
                let found = channel.eventLoop.makeFutureWithTask { try await presence.holder(of: name)?.name }
                whenRead(found, or: nil, channel: channel) { $0.nameFound($1) }
            } else {
                apply { $0.nameFound(nil) }
            }
        case .closed(let reason):
            shared?.release()
            door.closed()
            server.registry.forget(connection)
            idleTimer?.cancel()
            nameTimer?.cancel()
            stallTimer?.cancel()
            if let metrics = server.metrics {
                if countedDoor == nil { countDoor() }
                metrics.closed(door: countedDoor, reason: reason)
            }
            server.closed(connection, peer, reason)
        }
    }

    /// Claims `name` across the nodes (on a server without a presence, it is granted at once).
    private func claimShared(_ name: String, channel: any Channel) {
        guard let presence = server.presence else { return apply { $0.nameClaimed(.success(.granted)) } }
        let shared =
            self.shared
            ?? SharedMembership(
                presence: presence, connection: connection, eventLoop: channel.eventLoop, logger: server.logger)
        self.shared = shared
        let (this, logger) = (bound(channel), server.logger)
        shared.claim(name) { outcome in
            if case .failure(let error) = outcome { logger.error("cannot claim \(name) across the nodes: \(error)") }
            this.value.apply { $0.nameClaimed(outcome) }
        }
    }

    /// The member's outlet, made on first use.
    private func outlet(_ channel: any Channel) -> Outlet {
        if let outlet { return outlet }
        let outlet = Outlet(
            channel: channel, connection: connection, format: door.format,
            maxBacklogEvents: server.configuration.maxResume + 10_000,
            chunk: server.configuration.maxQueueBytes / 2)
        outlet.ownEvents = door.ownEvents
        let this = bound(channel)
        outlet.onTooSlow = { this.value.apply { $0.tooSlow() } }
        outlet.onKicked = { room in this.value.apply { $0.removed(from: room) } }
        self.outlet = outlet
        return outlet
    }

    /// Registers for `room`'s live events, then reads its record in a task.
    private func enter(_ room: String, resumeAfter: Int64?, history: Int?, channel: any Channel) {
        if outlet == nil {
            let watching = if case .catchingUp(let member, _, _) = machine.state { member.watching } else { false }
            server.logger.info(
                "\(ChatServer.describe(peer)) \(watching ? "watching as" : "joined as") \(machine.state.memberName ?? "?")"
            )
        }
        let outlet = outlet(channel)
        outlet.subscribe(Room.key(room), hubKey: Room.key(room))
        server.hub.add(outlet, to: Room.key(room))
        let core = server.core
        let read = channel.eventLoop.makeFutureWithTask {
            try await core.catchUp(room: room, resumeAfter: resumeAfter, history: history)
        }
        let empty = CatchUp(room: room, events: [], gap: nil, resumeAfter: resumeAfter)
        let metrics = server.metrics
        whenRead(read, or: empty, channel: channel) { machine, catchUp in
            if catchUp.gap != nil { metrics?.resumeGap() }
            return machine.caughtUp(catchUp)
        }
    }

    /// Checks how long the member has been quiet, a quarter of the idle limit at a time.
    private func armIdleTimer(_ channel: any Channel) {
        let limit = server.core.configuration.idleSeconds
        guard idleTimer == nil, limit > 0 else { return }
        let this = bound(channel)
        let every = TimeAmount.seconds(limit / 4)
        idleTimer = channel.eventLoop.scheduleRepeatedTask(initialDelay: every, delay: every) { _ in
            let quiet = Self.seconds() - this.value.lastInput
            this.value.apply { $0.idle(for: quiet) }
        }
    }

    /// Checks a name (and its password) on the password pool; logs failures, never the password.
    private func logIn(
        _ name: String, password: String?, channel: any Channel,
        then checked: @escaping (inout ConnectionStateMachine, LoginOutcome) -> [ConnectionAction]
    ) {
        let (accounts, peer, logger, metrics) = (server.core.accounts, machine.peer, server.logger, server.metrics)
        let outcome = server.passwordPool.runIfActive(eventLoop: channel.eventLoop) {
            let outcome = accounts.login(name: name, password: password, peer: peer, now: Self.seconds())
            switch outcome {
            case .refused(.wrongPassword):
                metrics?.loginFailed(.wrongPassword)
                logger.warning(
                    "wrong password for \(name) from \(peer.address) (\(accounts.throttle.totalFailures) since start)")
            case .refused(.tooManyAttempts(let seconds)):
                metrics?.loginFailed(.throttled)
                logger.warning("login for \(name) from \(peer.address) refused: backing off \(Int(seconds)) s")
            case .banned:
                logger.notice("\(name) from \(peer.address) refused: banned")
            case .account(let account, _):
                logger.info("\(account) logged in from \(peer.address)")
            default:
                break
            }
            return outcome
        }
        whenRead(outcome, or: .refused(.accountsUnavailable("the server is stopping")), channel: channel, checked)
    }

    /// Carries out an operator's act: the ban or mute stored, its event committed, then whoever
    /// it puts out told and closed.
    private func moderate(_ moderation: Moderation, channel: any Channel) {
        let (core, registry, logger) = (server.core, server.registry, server.logger)
        let by = moderation.event.user
        let stored = server.passwordPool.runIfActive(eventLoop: channel.eventLoop) { () -> Failure? in
            switch moderation.change {
            case .none:
                return nil
            case .impose(let kind, let name, let address, let seconds, let reason):
                let result = core.accounts.impose(
                    kind, name: name, address: address, seconds: seconds, reason: reason, by: by)
                if case .failure(let failure) = result { return failure }
                return nil
            case .lift(let kind, let name, let address):
                if case .failure(let failure) = core.accounts.lift(kind, name: name, address: address) {
                    return failure
                }
                return nil
            }
        }
        let this = bound(channel)
        whenRead(stored, or: .accountsUnavailable("the server is stopping"), channel: channel) { machine, failure in
            if let failure { return machine.moderationDone(failure) }
            logger.notice(
                "\(by) \(moderation.event.kind.rawValue) \(moderation.event.target ?? "?"): \(moderation.event.text)")
            this.value.recordAll([moderation.event], channel: channel) { machine, failure in
                if let failure { return machine.moderationDone(.notStored(failure.message)) }
                if let removal = moderation.removes {
                    let why = moderation.event.text
                    // A room kick puts its member out as the kick is delivered (`RoomHub.deliver`).
                    if removal.room == nil, let name = removal.name,
                        let connection = core.directory.connection(of: name)
                    {
                        registry.putOut(connection, by: by, reason: removal.reason, why: why)
                    }
                    if let address = removal.address {
                        registry.putOut(address: address, by: by, reason: removal.reason, why: why)
                    }
                }
                return machine.moderationDone(nil)
            }
            return []
        }
    }

    /// Feeds what `read` read (or `fallback`, logged, when it failed) to the state machine.
    private func whenRead<T: Sendable>(
        _ read: EventLoopFuture<T>, or fallback: T, channel: any Channel,
        _ event: @escaping (inout ConnectionStateMachine, T) -> [ConnectionAction]
    ) {
        let (this, logger) = (bound(channel), server.logger)
        let event = NIOLoopBound(event, eventLoop: channel.eventLoop)
        read.whenComplete { result in
            if case .failure(let error) = result { logger.error("cannot read history: \(error)") }
            let value = (try? result.get()) ?? fallback
            this.value.apply { event.value(&$0, value) }
        }
    }

    /// Stores `events`; once all are committed (and fanned out), or one failed, `done` is fed to
    /// the state machine on this event loop with the first failure, if any.
    private func recordAll(
        _ events: [NewEvent], channel: any Channel,
        _ done: @escaping (inout ConnectionStateMachine, StoreError?) -> [ConnectionAction]
    ) {
        let (this, loop) = (bound(channel), channel.eventLoop)
        guard !events.isEmpty else { return apply { done(&$0, nil) } }
        let outcome = NIOLockedValueBox((left: events.count, failure: StoreError?.none))
        let done = NIOLoopBound(done, eventLoop: loop)
        for event in events {
            server.core.record(event) { result in
                let finished = outcome.withLockedValue { outcome -> (Bool, StoreError?) in
                    if case .failure(let error) = result, outcome.failure == nil { outcome.failure = error }
                    outcome.left -= 1
                    return (outcome.left == 0, outcome.failure)
                }
                guard finished.0 else { return }
                loop.execute { this.value.apply { done.value(&$0, finished.1) } }
            }
        }
    }

    /// Stores an event; if it cannot be stored, only the sender hears.
    /// A door that answers by itself (IRC's) hears of every commit, and holds the lines after the
    /// event until then: a `PING` after a `PRIVMSG` is answered once the message is committed and
    /// on its way to everyone.
    private func record(_ event: NewEvent, channel: any Channel) {
        guard !event.text.isEmpty || !event.kind.isSpeech else { return }
        let logger = server.logger
        let (this, loop) = (bound(channel), channel.eventLoop)
        let confirms = doorKeepsState
        if confirms { unconfirmedRecords += 1 }
        server.core.record(event) { result in
            let failure: StoreError? = if case .failure(let error) = result { error } else { nil }
            if let failure { logger.error("not stored: \(failure)") }
            guard confirms || failure != nil else { return }
            loop.execute {
                if confirms { this.value.unconfirmedRecords -= 1 }
                this.value.apply { machine in failure.map { machine.storeFailed($0.message) } ?? [] }
            }
        }
    }

    /// Writes what the member is still owed and `reply`, half-closes once that is out so the peer
    /// reads it and then the end, and closes for good after the grace time whatever the peer does.
    private func finish(saying reply: Reply?, channel: any Channel) {
        outlet?.writeAll()
        var buffer = channel.allocator.buffer(capacity: 128)
        if let reply { door.encode(reply, into: &buffer) }
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(buffer, promise: written)
        let grace = TimeAmount.seconds(server.configuration.shutdownGraceSeconds)
        let timer = channel.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
        written.futureResult.whenComplete { result in
            guard case .success = result else { return }
            channel.close(mode: .output, promise: nil)
            channel.read()  // to see the peer's end, whatever the state machine had stopped reading for
        }
        channel.closeFuture.whenComplete { _ in timer.cancel() }
    }

    /// Counts the connection under its door now, in the metrics (moving it from the one it was
    /// counted under when a newcomer's line picks another).
    private func countDoor() {
        guard let metrics = server.metrics else { return }
        let label = door.metricsLabel
        metrics.connection(movedFrom: countedDoor, to: label)
        countedDoor = label
    }

    /// Monotonic seconds, for the rate limit.
    static func seconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

extension TimeAmount {
    static func seconds(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(seconds * 1e9)) }
}

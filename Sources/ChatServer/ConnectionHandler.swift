import ChatCore
import ChatModel
import ChatProtocol
import Dispatch
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
    }

    private let server: ConnectionServices
    private let connection: Int64
    private var machine: ConnectionStateMachine
    private var door: any Door
    private var outlet: Outlet?
    /// Set once the handler is added, and kept: completions that arrive after the close still
    /// run their actions (the leave, the end of the connection).
    private var channel: (any Channel)?
    private var peer: SocketAddress?
    private var nameTimer: Scheduled<Void>?
    private var stallTimer: Scheduled<Void>?
    /// The write of the catch-up page sent last, until the next page is asked for.
    private var pageWritten: EventLoopFuture<Void>?
    /// Actions are being executed: what happens meanwhile (a write that fails and closes the
    /// channel) waits its turn, so the actions of one event never interleave with another's.
    private var executing = false
    private var deferred: [(inout ConnectionStateMachine) -> [ConnectionAction]] = []

    init(services server: ConnectionServices, connection: Int64) {
        self.server = server
        self.connection = connection
        self.door = server.doors.fallback
        self.machine = ConnectionStateMachine(
            connection: connection, room: server.core.room, session: server.core.session,
            configuration: server.core.configuration, now: Self.seconds)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
        peer = context.channel.remoteAddress
        if context.channel.isActive {
            server.logger.info("\(ChatServer.describe(peer)) connected")
            apply { $0.start() }
        } else {
            apply { $0.channelInactive() }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        apply { [self] machine in
            let naming = machine.state == .naming
            if naming { door = server.doors.door(for: line) }
            return machine.lineRead(door.decode(line, naming: naming))
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
        apply { $0.shutdownBegun(message: shutdown.message) }
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
        }
        executing = false
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
            guard buffer.readableBytes > 0 else { break }
            if case .history(let block) = reply, block.total != nil {
                // A page of a catch-up: the next is read once this one reached the kernel.
                pageWritten = channel.writeAndFlush(buffer)
            } else {
                channel.writeAndFlush(buffer, promise: nil)
            }
        case .read:
            channel.read()
        case .armNameTimer:
            let this = bound(channel)
            nameTimer = channel.eventLoop.scheduleTask(in: .seconds(server.configuration.nameTimeoutSeconds)) {
                this.value.apply { $0.nameTimerFired() }
            }
        case .cancelNameTimer:
            nameTimer?.cancel()
            nameTimer = nil
        case .catchUp(let name, let join):
            catchUp(name: name, join, channel: channel)
        case .goLive(let seenThrough):
            outlet?.goLive(seenThrough: seenThrough)
        case .recordJoin(let event):
            let (this, loop, logger) = (bound(channel), channel.eventLoop, server.logger)
            server.core.record(event) { result in
                if case .failure(let error) = result { logger.error("join not stored: \(error)") }
                loop.execute {
                    switch result {
                    case .success: this.value.apply { $0.joinStored() }
                    case .failure(let error): this.value.apply { $0.joinFailed(error.message) }
                    }
                }
            }
        case .record(let event):
            record(event, channel: channel)
        case .recordQuit(let event):
            // The completion runs after the commit's fan-out was handed to the event loops, so
            // this comes after it.
            let (this, loop) = (bound(channel), channel.eventLoop)
            server.core.record(event) { _ in loop.execute { this.value.apply { $0.leaveCommitted() } } }
        case .delay(let seconds):
            let this = bound(channel)
            channel.eventLoop.scheduleTask(in: .seconds(seconds)) { this.value.apply { $0.delayOver() } }
        case .readCatchUpPage(let after, let through):
            let core = server.core
            let logger = server.logger
            let done = bound(channel)
            let written = pageWritten ?? channel.eventLoop.makeSucceededVoidFuture()
            pageWritten = nil
            written.flatMapResult { _ in Result<Void, any Error>.success(()) }.flatMap {
                NIOThreadPool.singleton.runIfActive(eventLoop: channel.eventLoop) {
                    try core.catchUpPage(after: after, through: through)
                }
            }
            .whenComplete { result in
                if case .failure(let error) = result { logger.error("cannot read history: \(error)") }
                let events = (try? result.get()) ?? []
                done.value.apply { $0.catchUpPageRead(events) }
            }
        case .readHistory(let limit):
            let core = server.core
            let logger = server.logger
            let done = bound(channel)
            NIOThreadPool.singleton.runIfActive(eventLoop: channel.eventLoop) { try core.history(limit: limit) }
                .whenComplete { result in
                    if case .failure(let error) = result { logger.error("cannot read history: \(error)") }
                    let events = (try? result.get()) ?? []
                    done.value.apply { $0.historyRead(events) }
                }
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
        case .leaveRoom(let name):
            server.core.room.remove(connection, named: name)
            if let outlet { server.room.remove(outlet) }
        case .closed(let reason):
            nameTimer?.cancel()
            stallTimer?.cancel()
            server.closed(connection, peer, reason)
        }
    }

    /// Registers for live events, then reads the record off the event loop.
    private func catchUp(name: String, _ join: JoinRequest, channel: any Channel) {
        server.logger.info("\(ChatServer.describe(peer)) \(join.watch ? "watching as" : "joined as") \(name)")
        let outlet = Outlet(
            channel: channel, format: door.format, maxBacklogEvents: server.configuration.maxResume + 10_000,
            chunk: server.configuration.maxQueueBytes / 2)
        let this = bound(channel)
        outlet.onTooSlow = { this.value.apply { $0.tooSlow() } }
        self.outlet = outlet
        server.room.add(outlet)
        let core = server.core
        let logger = server.logger
        NIOThreadPool.singleton.runIfActive(eventLoop: channel.eventLoop) { try core.catchUp(for: join) }
            .whenComplete { result in
                if case .failure(let error) = result { logger.error("cannot read history: \(error)") }
                let catchUp = (try? result.get()) ?? CatchUp(events: [], gap: nil, resumeAfter: join.resumeAfter)
                this.value.apply { $0.caughtUp(catchUp) }
            }
    }

    /// Stores an event; if it cannot be stored, only the sender hears.
    private func record(_ event: NewEvent, channel: any Channel) {
        guard !event.text.isEmpty || event.kind == .leave || event.kind == .join else { return }
        let logger = server.logger
        let (this, loop) = (bound(channel), channel.eventLoop)
        server.core.record(event) { result in
            guard case .failure(let error) = result else { return }
            logger.error("not stored: \(error)")
            loop.execute { this.value.apply { $0.storeFailed(error.message) } }
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

    /// Monotonic seconds, for the rate limit.
    static func seconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

extension TimeAmount {
    static func seconds(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(seconds * 1e9)) }
}

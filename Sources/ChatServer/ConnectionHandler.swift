import ChatModel
import ChatProtocol
import ChatStore
import NIOCore

/// One connection's conversation, on its event loop: the greeting, the name, the history, then
/// its lines until it leaves.
///
/// No task waits per connection (an idle connection costs its channel and this handler, not a
/// suspended task's frames): lines are handled as they are read. The few steps that wait —
/// reading the record for the history, a rate-limit delay — stop reading until they are done,
/// so lines are handled one after another in the order sent, and a client that floods is slowed
/// down by TCP itself. Needs the channel's `autoRead` off: it asks for each read.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = InboundLine

    private let server: ChatServer
    private let member: Member
    /// The name the member joined under; nil until then.
    private var name: String?
    private var flow: ChatServer.Flow
    private var quit = false
    /// No more lines are handled: the member left or the connection is closing.
    private var done = false
    /// A step is waiting: lines read meanwhile queue up and no more are read.
    private var waiting = false
    /// A line is being handled. What it sends can fail and close the channel, and closing hands
    /// the decoder's last lines back in at once: they queue up, and the close waits its turn.
    private var handling = false
    private var queued: [InboundLine] = []
    private var inactive = false
    private var ended = false
    private var leaveRecorded = false
    /// Until the first line: gives a silent newcomer the default name.
    private var nameTimer: Scheduled<Void>?

    init(server: ChatServer, member: Member) {
        self.server = server
        self.member = member
        self.flow = server.newFlow()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        server.opened(member)
        if context.channel.isActive {
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            let timeout = TimeAmount.nanoseconds(Int64(server.configuration.nameTimeoutSeconds * 1e9))
            nameTimer = context.eventLoop.scheduleTask(in: timeout) {
                let (handler, context) = bound.value
                guard handler.nameTimer != nil, !handler.done else { return }
                handler.nameTimer = nil
                handler.join(Introduction(mode: .plain, name: NameRules.defaultName), context: context)
            }
            context.read()
        } else {
            inactive = true
            end()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        nameTimer?.cancel()
        nameTimer = nil
        if waiting || handling {
            queued.append(line)
        } else {
            handling = true
            handle(line, context: context)
            handling = false
            handleQueued(context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !waiting && !done { context.read() }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        nameTimer?.cancel()
        nameTimer = nil
        inactive = true
        if !waiting && !handling { end() }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        server.failed(member, error)
        context.close(promise: nil)
    }

    private func handle(_ line: InboundLine, context: ChannelHandlerContext) {
        guard !done else { return }
        guard let name else { return introduce(line, context: context) }
        // Once the server is stopping, lines are no longer recorded: its notice is on the way.
        guard !server.isShuttingDown else { return }
        let step = server.step(for: line, member: member, name: name, flow: &flow)
        switch step {
        case .next:
            break
        case .quit:
            quitAfterRecording(name: name)
        case .delay(let seconds, let event):
            let server = server
            let member = member
            wait(context: context) { loop in
                loop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { server.record(event, from: member) }
                    .futureResult
            }
        case .history(let limit):
            let server = server
            let member = member
            wait(context: context) { _ in server.sendHistory(member, limit: limit) }
        }
    }

    /// A newcomer's line: a name or a hello.
    private func introduce(_ line: InboundLine, context: ChannelHandlerContext) {
        switch server.introduction(from: line, member: member) {
        case .askAgain:
            break
        case .leave:
            leave(context: context)
        case .introduced(let introduction):
            join(introduction, context: context)
        }
    }

    /// Joins the room, gets the history and goes live; its join is recorded then.
    private func join(_ introduction: Introduction, context: ChannelHandlerContext) {
        let name = server.join(member, introduction)
        self.name = name
        let server = server
        let member = member
        wait(context: context) { _ in
            server.catchUp(member, name: name, introduction: introduction).map {
                server.writer.submit(NewEvent(kind: .join, room: server.room.name, user: name, connection: member.id))
            }
        }
    }

    /// Leaves before joining: nothing to record.
    private func leave(context: ChannelHandlerContext) {
        quit = true
        done = true
        context.close(promise: nil)
    }

    /// A member quits: its leave is recorded first, behind everything it sent, and the connection
    /// closes once that is committed — so the member also gets the echo of its last lines, and
    /// then its goodbye.
    private func quitAfterRecording(name: String) {
        quit = true
        done = true
        leaveRecorded = true
        let member = member
        let grace = TimeAmount.nanoseconds(Int64(server.configuration.shutdownGraceSeconds * 1e9))
        server.writer.submit(
            NewEvent(kind: .leave, room: server.room.name, user: name, connection: member.id, reason: .quit)
        ) { _ in
            // After the commit's fan-out was handed to the event loops, so this comes after it.
            member.channel.eventLoop.execute {
                member.finish(saying: member.mode == .plain ? PlainTexts.goodbye : nil, grace: grace)
            }
        }
    }

    /// Stops reading until `work` is done, then handles what queued up meanwhile and reads on.
    private func wait(
        context: ChannelHandlerContext, for work: (any EventLoop) -> EventLoopFuture<Void>
    ) {
        waiting = true
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        work(context.eventLoop).hop(to: context.eventLoop).whenComplete { _ in
            let (handler, context) = bound.value
            handler.resume(context: context)
        }
    }

    private func resume(context: ChannelHandlerContext) {
        waiting = false
        handleQueued(context: context)
        if !waiting && !inactive && !done { context.read() }
    }

    /// Handles the lines that queued up, until one waits; then, if the channel closed meanwhile,
    /// ends the connection.
    private func handleQueued(context: ChannelHandlerContext) {
        handling = true
        while !waiting, !queued.isEmpty {
            handle(queued.removeFirst(), context: context)
        }
        handling = false
        guard !waiting else { return }
        queued = []
        if inactive { end() }
    }

    /// Once, when the connection is closed and nothing waits: records the leave.
    private func end() {
        guard !ended else { return }
        ended = true
        done = true
        server.closed(member, ChatServer.Ending(name: name, quit: quit, leaveRecorded: leaveRecorded))
    }
}

extension ChatServer {
    /// How a conversation ended, for the leave record.
    struct Ending {
        /// The name the member joined under; nil when it left before joining.
        var name: String?
        var quit = false
        /// The leave is already recorded (a quit).
        var leaveRecorded = false
    }

    /// Greets a new connection.
    func opened(_ member: Member) {
        logger.info("\(member.peer) connected")
        member.send(line: PlainTexts.greeting)
    }

    /// Admits an introduced newcomer to the room; returns the name it got.
    func join(_ member: Member, _ introduction: Introduction) -> String {
        let name = room.admit(member, as: introduction.name)
        logger.info("\(member.peer) joined as \(name)")
        return name
    }

    func newFlow() -> Flow {
        Flow(
            limiter: TokenBucket(
                rate: configuration.messagesPerSecond, burst: configuration.messageBurst, now: Self.seconds()))
    }

    func failed(_ member: Member, _ error: any Error) {
        logger.debug("\(member.peer) connection error: \(error)")
    }

    /// Records the leave of a member that had joined, and forgets the connection.
    func closed(_ member: Member, _ ending: Ending) {
        let reason: LeaveReason = ending.quit ? .quit : (member.reason ?? .connectionLost)
        if let name = ending.name {
            room.remove(member, named: name)
            if !ending.leaveRecorded {
                writer.submit(
                    NewEvent(kind: .leave, room: room.name, user: name, connection: member.id, reason: reason))
            }
        }
        logger.info("\(member.peer) disconnected (\(reason.words))")
        forget(member)
    }
}

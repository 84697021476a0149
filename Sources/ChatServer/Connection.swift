import ChatProtocol
import ChatStore
import Dispatch
import NIOCore
import NIOPosix

extension ChatServer {
    /// How a conversation ended, for the leave record.
    struct Ending {
        /// The name the member joined under; nil when it left before joining.
        var name: String?
        var quit = false
    }

    /// Runs one connection: greeting, name, history, then its lines until it leaves.
    ///
    /// A task keeps the memory of its deepest moment until it ends, and the frames of every
    /// function it is suspended in: an idle connection's task lives long. So the functions on the
    /// idle path (`serve`, `converse`, `relay`) hold little across their waits, everything that
    /// does not wait happens in synchronous functions (`opened`, `introduction(from:)`,
    /// `step(for:)`, `closed`), and the deep waits (reading the record) run in short child tasks.
    func serve(_ channel: NIOAsyncChannel<InboundLine, Never>, member: Member) async {
        opened(member)
        var ending = Ending()
        await converse(channel, member, &ending)
        closed(member, ending)
    }

    /// Greets a new connection.
    private func opened(_ member: Member) {
        logger.info("\(member.peer) connected")
        member.send(line: PlainTexts.greeting)
    }

    /// Records the leave of a member that had joined, and forgets the connection.
    private func closed(_ member: Member, _ ending: Ending) {
        let reason: LeaveReason = ending.quit ? .quit : (member.reason ?? .connectionLost)
        if let name = ending.name {
            room.remove(member, named: name)
            writer.submit(NewEvent(kind: .leave, room: room.name, user: name, connection: member.id, reason: reason))
        }
        forget(member)
        logger.info("\(member.peer) disconnected (\(reason.words))")
    }

    /// The connection's lines, from the first to the last.
    @inline(never)
    private func converse(
        _ channel: NIOAsyncChannel<InboundLine, Never>, _ member: Member, _ ending: inout Ending
    ) async {
        do {
            try await channel.executeThenClose { inbound, _ in
                var lines = inbound.makeAsyncIterator()
                guard try await introduce(member, &lines, &ending) else { return }
                try await relay(member, &lines, &ending)
            }
        } catch {
            failed(member, error)
        }
    }

    private func failed(_ member: Member, _ error: any Error) {
        logger.debug("\(member.peer) connection error: \(error)")
    }

    /// Reads lines until the newcomer is introduced, then admits it and sends the history.
    /// Returns false when it left (or the connection closed) first.
    @inline(never)
    private func introduce(
        _ member: Member, _ lines: inout NIOAsyncChannelInboundStream<InboundLine>.AsyncIterator,
        _ ending: inout Ending
    ) async throws -> Bool {
        while let input = try await lines.next() {
            switch introduction(from: input, member: member) {
            case .askAgain: continue
            case .leave:
                ending.quit = true
                return false
            case .introduced(let introduction):
                let name = join(member, introduction)
                ending.name = name
                await catchUpInChild(member, name: name, introduction: introduction)
                writer.submit(NewEvent(kind: .join, room: room.name, user: name, connection: member.id))
                return true
            }
        }
        return false
    }

    /// Handles a joined member's lines until it quits, the connection closes or the server stops.
    @inline(never)
    private func relay(
        _ member: Member, _ lines: inout NIOAsyncChannelInboundStream<InboundLine>.AsyncIterator,
        _ ending: inout Ending
    ) async throws {
        guard let name = ending.name else { return }
        var flow = newFlow()
        while !isShuttingDown, let input = try await lines.next() {
            let step = step(for: input, member: member, name: name, flow: &flow)
            switch step {
            case .next: continue
            case .quit:
                ending.quit = true
                return
            case .delay, .history: try await wait(for: step, member: member)
            }
        }
    }

    private func newFlow() -> Flow {
        Flow(
            limiter: TokenBucket(
                rate: configuration.messagesPerSecond, burst: configuration.messageBurst, now: Self.seconds()))
    }

    /// Runs `catchUp` in a child task, so its deep frames never count against the connection's task.
    @inline(never)
    private func catchUpInChild(_ member: Member, name: String, introduction: Introduction) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.catchUp(member, name: name, introduction: introduction) }
        }
    }

    /// Does what a step must wait for: a rate-limit delay, or reading history (in a child task).
    @inline(never)
    private func wait(for step: Step, member: Member) async throws {
        switch step {
        case .delay(let seconds, let event):
            try await Task.sleep(for: .seconds(seconds))
            record(event, from: member)
        case .history(let limit):
            await withDiscardingTaskGroup { group in
                group.addTask { await self.sendHistory(member, limit: limit) }
            }
        case .next, .quit:
            break
        }
    }

    /// Admits an introduced newcomer to the room; returns the name it got.
    private func join(_ member: Member, _ introduction: Introduction) -> String {
        let name = room.admit(member, as: introduction.name)
        logger.info("\(member.peer) joined as \(name)")
        return name
    }
}

import ChatProtocol
import ChatStore
import Dispatch
import NIOCore
import NIOPosix

extension ChatServer {
    /// Runs one connection: greeting, name, history, then its lines until it leaves.
    ///
    /// A task keeps the memory of its deepest moment until it ends, and an idle connection's task
    /// lives long: so everything that does not need to wait happens in synchronous functions
    /// (`introduction(from:)`, `step(for:)`), the waits live in small functions of their own
    /// (`introduce`, `wait(for:)`), and the deep ones (reading the record) run in short child
    /// tasks. What stays suspended per idle connection is a few small frames.
    func serve(_ channel: NIOAsyncChannel<InboundLine, Never>, member: Member) async {
        let peer = Self.describe(channel.channel.remoteAddress)
        logger.info("\(peer) connected")
        member.send(line: PlainTexts.greeting)
        var joined: String?
        var quit = false
        do {
            try await channel.executeThenClose { inbound, _ in
                var lines = inbound.makeAsyncIterator()
                let introduced: Introduction
                switch try await introduce(member, &lines) {
                case .introduced(let found): introduced = found
                case .leave:
                    quit = true
                    return
                case .askAgain, nil: return  // gone before giving a name
                }
                let name = join(member, introduced, peer: peer)
                joined = name
                await catchUpInChild(member, name: name, introduction: introduced)
                writer.submit(NewEvent(kind: .join, room: room.name, user: name, connection: member.id))
                var flow = Flow(
                    limiter: TokenBucket(
                        rate: configuration.messagesPerSecond, burst: configuration.messageBurst, now: Self.seconds()))
                while !isShuttingDown, let input = try await lines.next() {
                    let step = step(for: input, member: member, name: name, flow: &flow)
                    if case .quit = step {
                        quit = true
                        return
                    }
                    try await wait(for: step, member: member)
                }
            }
        } catch {
            logger.debug("\(peer) connection error: \(error)")
        }
        let reason: LeaveReason = quit ? .quit : (member.reason ?? .connectionLost)
        if let name = joined {
            room.remove(member, named: name)
            writer.submit(NewEvent(kind: .leave, room: room.name, user: name, connection: member.id, reason: reason))
        }
        forget(member)
        logger.info("\(peer) disconnected (\(reason.words))")
    }

    /// Reads lines until the newcomer is introduced or leaves; nil when the connection closed first.
    @inline(never)
    private func introduce(
        _ member: Member, _ lines: inout NIOAsyncChannelInboundStream<InboundLine>.AsyncIterator
    ) async throws -> IntroductionStep? {
        while let input = try await lines.next() {
            let step = introduction(from: input, member: member)
            if case .askAgain = step { continue }
            return step
        }
        return nil
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
    private func join(_ member: Member, _ introduction: Introduction, peer: String) -> String {
        let name = room.admit(member, as: introduction.name)
        logger.info("\(peer) joined as \(name)")
        return name
    }
}

import ChatProtocol
import ChatStore
import Dispatch
import NIOCore
import NIOPosix

/// What a newcomer said before joining.
struct Introduction: Sendable {
    var mode: WireMode
    var name: String
    var resumeAfter: Int64?
    var history: Int?
}

/// What a line from a joined member asks for.
enum Request {
    /// A message or an action for the room.
    case post(EventKind, String)
    case who
    case history(Int)
    case help
    case quit
    case reply(plain: String, code: ErrorCode)
    case ignore
}

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

    /// Per-connection state of a joined member's flow of lines.
    struct Flow {
        var limiter: TokenBucket
        var warned = false
    }

    /// What the connection does after a line.
    enum Step {
        case next
        /// Rate-limited: record `event` after waiting.
        case delay(seconds: Double, event: NewEvent)
        case history(Int)
        case quit
    }

    /// Handles a joined member's line as far as it can without waiting.
    private func step(for input: InboundLine, member: Member, name: String, flow: inout Flow) -> Step {
        switch request(from: input, mode: member.mode) {
        case .post(let kind, let text):
            let event = NewEvent(kind: kind, room: room.name, user: name, text: text, connection: member.id)
            let wait = flow.limiter.take(now: Self.seconds())
            guard wait > 0 else {
                record(event, from: member)
                return .next
            }
            if !flow.warned {
                flow.warned = true
                reply(member, .notice(code: .rateLimited, message: PlainTexts.rateLimited(flow.limiter.rate)))
            }
            return .delay(seconds: wait, event: event)
        case .who:
            let names = room.names
            member.send(line: member.mode == .plain ? PlainTexts.who(names) : ServerMessage.who(names).json)
        case .history(let limit):
            return .history(limit)
        case .help:
            member.send(line: PlainTexts.help)
        case .quit:
            if member.mode == .plain { member.send(line: PlainTexts.goodbye) }
            return .quit
        case .reply(let plain, let code):
            reply(member, .error(code: code, message: plain))
        case .ignore:
            break
        }
        return .next
    }

    /// What a newcomer's line amounts to.
    enum IntroductionStep {
        case introduced(Introduction)
        case askAgain
        case leave
    }

    /// Reads a newcomer's line: a name (plain mode) or a hello (structured mode).
    private func introduction(from input: InboundLine, member: Member) -> IntroductionStep {
        switch input {
        case .greetingTimeout:
            return .introduced(Introduction(mode: .plain, name: NameRules.defaultName))
        case .overlong:
            member.send(line: PlainTexts.nameTooLong)
            return .askAgain
        case .line(let buffer):
            let bytes = buffer.readableBytesView
            if bytes.first == UInt8(ascii: "{") && bytes.dropFirst().first == UInt8(ascii: "\"") {
                // Structured mode: a JSON hello.
                member.mode = .structured
                do {
                    guard case .hello(let raw, let resumeAfter, let history) = try ClientMessage.decode(bytes) else {
                        reply(member, .error(code: .badSequence, message: "send hello first"))
                        return .askAgain
                    }
                    let name = NameRules.normalize(raw)
                    if NameRules.isReserved(name) {
                        reply(
                            member,
                            .error(code: .nameReserved, message: "the name \(name) is reserved; send another hello"))
                        return .askAgain
                    }
                    return .introduced(
                        Introduction(
                            mode: .structured, name: name.isEmpty ? NameRules.defaultName : name,
                            resumeAfter: resumeAfter, history: history))
                } catch {
                    reply(member, .error(code: error.code, message: error.message))
                    return error.code == .unsupportedProtocol ? .leave : .askAgain
                }
            }
            let text = TextSanitizer.clean(bytes: bytes)
            if PlainTexts.quitCommands.contains(text.trimmingWhitespace.lowercased()) { return .leave }
            let name = NameRules.normalize(text)
            if NameRules.isReserved(name) {
                member.send(line: PlainTexts.reserved(name))
                return .askAgain
            }
            return .introduced(Introduction(mode: .plain, name: name.isEmpty ? NameRules.defaultName : name))
        }
    }

    /// Sends the welcome and the history (or what a resuming client missed), then makes the
    /// member live: every event after the history reaches it exactly once.
    private func catchUp(_ member: Member, name: String, introduction: Introduction) async {
        let structured = introduction.mode == .structured
        let wanted = min(introduction.history ?? configuration.history, 1000)
        let resumeAfter = introduction.resumeAfter
        let maxResume = configuration.maxResume
        let roomName = room.name
        var gap: ServerMessage?
        var history: [Event] = []
        do {
            (history, gap) = try await NIOThreadPool.singleton.runIfActive { [store] in
                try store.read { reader -> ([Event], ServerMessage?) in
                    guard let resumeAfter else { return (try reader.recent(room: roomName, limit: wanted), nil) }
                    if resumeAfter > (try reader.lastEventID()) {
                        // The client's record comes from another database: start afresh.
                        return (
                            try reader.recent(room: roomName, limit: wanted), .gap(after: resumeAfter, resumedAfter: 0)
                        )
                    }
                    let missed = try reader.events(room: roomName, after: resumeAfter, limit: maxResume + 1)
                    guard missed.count > maxResume else { return (missed, nil) }
                    // Too much to catch up on: the most recent ones, and a word about the rest.
                    let latest = try reader.recent(room: roomName, limit: maxResume)
                    return (latest, .gap(after: resumeAfter, resumedAfter: (latest.first?.id ?? 1) - 1))
                }
            }
        } catch {
            logger.error("cannot read history: \(error)")
        }
        var prefix = member.channel.allocator.buffer(capacity: 256 + history.count * 160)
        func line(_ text: String) {
            prefix.writeString(text)
            prefix.writeInteger(UInt8(ascii: "\n"))
        }
        let renamed = name.lowercased() == introduction.name.lowercased() ? nil : introduction.name
        if structured {
            line(
                ServerMessage.welcome(
                    name: name, session: session, server: "chatroom \(chatroomVersion)", room: roomName
                ).json)
            if let gap { line(gap.json) }
            for event in history { line(ServerMessage.event(event, history: true).json) }
            line(ServerMessage.historyEnd.json)
        } else {
            line(PlainTexts.welcome(name, renamedFrom: renamed))
            if !history.isEmpty {
                line(PlainTexts.historyHeader(history.count))
                for event in history { line(PlainText.historyLine(event)) }
                line(PlainTexts.historyFooter)
            }
        }
        let seen: Int64 = history.last?.id ?? (gap == nil ? resumeAfter ?? 0 : 0)
        member.goLive(prefix: prefix, seenThrough: seen)
    }

    /// Answers `/history N` or a history request.
    private func sendHistory(_ member: Member, limit: Int) async {
        let roomName = room.name
        let events =
            (try? await NIOThreadPool.singleton.runIfActive { [store] in
                try store.read { try $0.recent(room: roomName, limit: min(max(limit, 0), 1000)) }
            }) ?? []
        var buffer = member.channel.allocator.buffer(capacity: 64 + events.count * 160)
        func line(_ text: String) {
            buffer.writeString(text)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        if member.mode == .structured {
            for event in events { line(ServerMessage.event(event, history: true).json) }
            line(ServerMessage.historyEnd.json)
        } else {
            line(PlainTexts.historyHeader(events.count))
            for event in events { line(PlainText.historyLine(event)) }
            line(PlainTexts.historyFooter)
        }
        member.send(buffer)
    }

    /// Stores an event; the room sees it once committed. If it cannot be stored, only the sender hears.
    private func record(_ event: NewEvent, from member: Member) {
        guard !event.text.isEmpty else { return }
        writer.submit(event) { [self] result in
            guard case .failure(let error) = result else { return }
            logger.error("not stored: \(error)")
            reply(member, .error(code: .notStored, message: PlainTexts.notStored(error.message)))
        }
    }

    /// Sends a notice or error in the member's mode.
    private func reply(_ member: Member, _ message: ServerMessage) {
        switch (member.mode, message) {
        case (.structured, _): member.send(line: message.json)
        case (.plain, .error(_, let text)), (.plain, .notice(_, let text)): member.send(line: text)
        case (.plain, _): break
        }
    }

    /// Reads what a joined member's line asks for.
    private func request(from input: InboundLine, mode: WireMode) -> Request {
        switch input {
        case .greetingTimeout: return .ignore
        case .overlong(let count):
            return .reply(plain: PlainTexts.lineTooLong(count, limit: configuration.maxLineBytes), code: .lineTooLong)
        case .line(let buffer):
            let bytes = buffer.readableBytesView
            if mode == .structured {
                do {
                    let message = try ClientMessage.decode(bytes)
                    switch message {
                    case .say(let text), .me(let text):
                        let kind: EventKind = if case .say = message { .message } else { .action }
                        let clean = TextSanitizer.clean(text)
                        if clean.trimmingWhitespace.isEmpty {
                            return .reply(plain: "an empty message is not sent", code: .emptyMessage)
                        }
                        return .post(kind, clean)
                    case .who: return .who
                    case .history(let limit): return .history(limit)
                    case .quit: return .quit
                    case .hello: return .reply(plain: "already joined: hello comes once", code: .badSequence)
                    }
                } catch {
                    return .reply(plain: error.message, code: error.code)
                }
            }
            let text = TextSanitizer.clean(bytes: bytes)
            let trimmed = text.trimmingWhitespace
            if trimmed.isEmpty { return .ignore }
            guard trimmed.hasPrefix("/") || trimmed.hasPrefix("{") else { return .post(.message, text) }
            let words = trimmed.split(separator: " ", maxSplits: 1)
            let command = words[0].lowercased()
            if PlainTexts.quitCommands.contains(command) { return .quit }
            switch command {
            case "/who": return .who
            case "/help": return .help
            case "/me": return words.count > 1 ? .post(.action, String(words[1])) : .ignore
            case "/history":
                return .history(words.count > 1 ? Int(words[1]) ?? configuration.history : configuration.history)
            default:
                if trimmed.hasPrefix("{") { return .post(.message, text) }
                return .reply(plain: PlainTexts.unknownCommand(command), code: .unknownType)
            }
        }
    }

    static func seconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

extension String {
    /// Without leading and trailing white space.
    var trimmingWhitespace: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}

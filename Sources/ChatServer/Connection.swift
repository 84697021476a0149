import ChatProtocol
import ChatStore
import NIOCore
import NIOPosix
import Dispatch

/// What a newcomer said before joining.
struct Introduction {
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
    func serve(_ channel: NIOAsyncChannel<InboundLine, Never>, member: Member) async {
        let peer = Self.describe(channel.channel.remoteAddress)
        logger.info("\(peer) connected")
        member.send(line: PlainTexts.greeting)
        var joined: String?
        var quit = false
        do {
            try await channel.executeThenClose { inbound, _ in
                var lines = inbound.makeAsyncIterator()
                guard let introduction = try await introduce(member, &lines) else {
                    quit = true
                    return
                }
                let name = room.admit(member, as: introduction.name)
                joined = name
                logger.info("\(peer) joined as \(name)")
                await catchUp(member, name: name, introduction: introduction)
                writer.submit(NewEvent(kind: .join, room: room.name, user: name, connection: member.id))
                var limiter = TokenBucket(
                    rate: configuration.messagesPerSecond, burst: configuration.messageBurst, now: Self.seconds())
                var warned = false
                while !isShuttingDown, let input = try await lines.next() {
                    switch request(from: input, mode: member.mode) {
                    case .post(let kind, let text):
                        let wait = limiter.take(now: Self.seconds())
                        if wait > 0 {
                            if !warned {
                                warned = true
                                reply(member, .notice(code: .rateLimited, message: PlainTexts.rateLimited(limiter.rate)))
                            }
                            try await Task.sleep(for: .seconds(wait))
                        }
                        record(NewEvent(kind: kind, room: room.name, user: name, text: text, connection: member.id), from: member)
                    case .who:
                        let names = room.names
                        if member.mode == .plain { member.send(line: PlainTexts.who(names)) } else { member.send(line: ServerMessage.who(names).json) }
                    case .history(let limit):
                        await sendHistory(member, limit: limit)
                    case .help:
                        member.send(line: PlainTexts.help)
                    case .quit:
                        quit = true
                        if member.mode == .plain { member.send(line: PlainTexts.goodbye) }
                        return
                    case .reply(let plain, let code):
                        reply(member, .error(code: code, message: plain))
                    case .ignore:
                        break
                    }
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

    /// Reads lines until the newcomer has a name (or a hello); nil when it leaves first.
    private func introduce(
        _ member: Member, _ lines: inout NIOAsyncChannelInboundStream<InboundLine>.AsyncIterator
    ) async throws -> Introduction? {
        while let input = try await lines.next() {
            switch input {
            case .greetingTimeout:
                return Introduction(mode: .plain, name: NameRules.defaultName)
            case .overlong:
                member.send(line: PlainTexts.nameTooLong)
            case .line(let buffer):
                let bytes = buffer.readableBytesView
                if bytes.first == UInt8(ascii: "{") && bytes.dropFirst().first == UInt8(ascii: "\"") {
                    // Structured mode: a JSON hello.
                    member.mode = .structured
                    do {
                        guard case .hello(let raw, let resumeAfter, let history) = try ClientMessage.decode(bytes) else {
                            reply(member, .error(code: .badSequence, message: "send hello first"))
                            continue
                        }
                        let name = NameRules.normalize(raw)
                        if NameRules.isReserved(name) {
                            reply(member, .error(code: .nameReserved, message: "the name \(name) is reserved; send another hello"))
                            continue
                        }
                        return Introduction(
                            mode: .structured, name: name.isEmpty ? NameRules.defaultName : name,
                            resumeAfter: resumeAfter, history: history)
                    } catch {
                        reply(member, .error(code: error.code, message: error.message))
                        if error.code == .unsupportedProtocol { return nil }
                        continue
                    }
                }
                let text = TextSanitizer.clean(bytes: bytes)
                if PlainTexts.quitCommands.contains(text.trimmingWhitespace.lowercased()) { return nil }
                let name = NameRules.normalize(text)
                if NameRules.isReserved(name) {
                    member.send(line: PlainTexts.reserved(name))
                    continue
                }
                return Introduction(mode: .plain, name: name.isEmpty ? NameRules.defaultName : name)
            }
        }
        return nil
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
                        return (try reader.recent(room: roomName, limit: wanted), .gap(after: resumeAfter, resumedAfter: 0))
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
            line(ServerMessage.welcome(name: name, session: session, server: "chatroom \(chatroomVersion)", room: roomName).json)
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
        let events = (try? await NIOThreadPool.singleton.runIfActive { [store] in
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
        writer.submit(event) { [logger] result in
            guard case .failure(let error) = result else { return }
            logger.error("not stored: \(error)")
            let message = ServerMessage.error(code: .notStored, message: PlainTexts.notStored("\(error.message)"))
            if member.mode == .plain { member.send(line: PlainTexts.notStored(error.message)) } else { member.send(line: message.json) }
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
            case "/history": return .history(words.count > 1 ? Int(words[1]) ?? configuration.history : configuration.history)
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

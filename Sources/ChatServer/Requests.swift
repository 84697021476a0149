import ChatModel
import ChatProtocol
import ChatStore
import Dispatch
import NIOCore
import NIOPosix

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
    func step(for input: InboundLine, member: Member, name: String, flow: inout Flow) -> Step {
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
            return .quit
        case .reply(let plain, let code):
            reply(member, .error(code: code, message: plain))
        case .ignore:
            break
        }
        return .next
    }

    /// Stores an event; the room sees it once committed. If it cannot be stored, only the sender hears.
    func record(_ event: NewEvent, from member: Member) {
        guard !event.text.isEmpty else { return }
        writer.submit(event) { [self] result in
            guard case .failure(let error) = result else { return }
            logger.error("not stored: \(error)")
            reply(member, .error(code: .notStored, message: PlainTexts.notStored(error.message)))
        }
    }

    /// Sends a notice or error in the member's mode.
    func reply(_ member: Member, _ message: ServerMessage) {
        switch (member.mode, message) {
        case (.structured, _): member.send(line: message.json)
        case (.plain, .error(_, let text)), (.plain, .notice(_, let text)): member.send(line: text)
        case (.plain, _): break
        }
    }

    /// Reads what a joined member's line asks for.
    func request(from input: InboundLine, mode: WireMode) -> Request {
        switch input {
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

    /// Monotonic seconds, for the rate limiter.
    static func seconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// The door for chat-client, chat-replay and scripts: JSON lines (docs/PROTOCOL.md), opened by a
/// `hello` object. Errors carry codes; their messages are the plain door's words.
struct JSONDoor: Door {
    /// The limit on a message's text, for the words of a line too long to carry any.
    let maxMessageBytes: Int
    var format: WireFormat { .json }

    func accepts(_ line: ByteBufferView) -> Bool {
        line.first == UInt8(ascii: "{") && line.dropFirst().first == UInt8(ascii: "\"")
    }

    func decode(_ line: InboundLine, naming: Bool) -> DoorInput {
        guard case .line(let buffer) = line else {
            guard case .overlong(let count) = line else { return .nothing }
            return .rejected(naming ? .nameTooLong : .lineTooLong(bytes: count, limit: maxMessageBytes))
        }
        let message: ClientMessage
        do {
            message = try ClientMessage.decode(buffer.readableBytesView)
        } catch {
            let failure = Failure.invalid(code: error.code.rawValue, message: error.message)
            return error.code == .unsupportedProtocol ? .fatal(failure) : .rejected(failure)
        }
        switch message {
        case .hello(let name, let resumeAfter, let history, let watch):
            return .request(
                .join(JoinRequest(name: name, resumeAfter: resumeAfter, history: history, watch: watch)))
        case .say(let text): return .request(.say(TextSanitizer.clean(text)))
        case .me(let text): return .request(.act(TextSanitizer.clean(text)))
        case .who: return .request(.who)
        case .history(let limit): return .request(.history(limit))
        case .quit: return .request(.quit)
        }
    }

    func encode(_ reply: Reply, into buffer: inout ByteBuffer) {
        switch reply {
        case .greeting:
            buffer.writeLine(PlainTexts.greeting)
        case .welcome(let name, _, let session, let room):
            buffer.writeLine(
                ServerMessage.welcome(
                    name: name, session: session, server: "chatroom \(chatroomVersion)", room: room,
                    maxMessageBytes: maxMessageBytes
                ).json)
        case .history(let block):
            if let gap = block.gap, block.opens {
                buffer.writeLine(ServerMessage.gap(after: gap.after, resumedAfter: gap.resumedAfter).json)
            }
            for event in block.events { buffer.writeLine(ServerMessage.event(event, history: true).json) }
            if block.closes { buffer.writeLine(ServerMessage.historyEnd.json) }
        case .who(let names):
            buffer.writeLine(ServerMessage.who(names).json)
        case .help:
            buffer.writeLine(PlainTexts.help)
        case .notice(.rateLimited(let rate)):
            buffer.writeLine(ServerMessage.notice(code: .rateLimited, message: PlainTexts.rateLimited(rate)).json)
        case .notice(.nameChanged(let change)):
            buffer.writeLine(ServerMessage.notice(code: .nameChanged, message: PlainTexts.nameChanged(change)).json)
        case .error(let failure):
            buffer.writeLine(ServerMessage.error(code: Self.code(failure), message: Self.message(failure)).json)
        case .goodbye:
            break
        case .shutdown(let message):
            buffer.writeLine(ServerMessage.shutdown(message: message ?? "the server is shutting down").json)
        }
    }

    private static func code(_ failure: Failure) -> ErrorCode {
        switch failure {
        case .nameReserved: return .nameReserved
        case .nameTooLong, .lineTooLong: return .lineTooLong
        case .notStored, .joinNotStored: return .notStored
        case .emptyMessage: return .emptyMessage
        case .unknownCommand: return .unknownType
        case .joinFirst, .alreadyJoined: return .badSequence
        case .watchOnly: return .watchOnly
        case .invalid(let code, _): return ErrorCode(rawValue: code) ?? .malformed
        }
    }

    private static func message(_ failure: Failure) -> String {
        switch failure {
        case .nameReserved(let name): return "the name \(name) is reserved; send another hello"
        default: return PlainTexts.words(failure)
        }
    }
}

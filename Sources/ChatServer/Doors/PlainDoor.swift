import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// The door for people with `nc` or telnet: a name, then lines of text and `/` commands.
struct PlainDoor: Door {
    /// The limit on a message's text, for the words of a line too long to carry any.
    let maxMessageBytes: Int
    var format: WireFormat { .plain }

    func accepts(_ line: ByteBufferView) -> Bool { true }

    func decode(_ line: InboundLine, naming: Bool) -> DoorInput {
        guard case .line(let buffer) = line else {
            guard case .overlong(let count) = line else { return .nothing }
            return .rejected(naming ? .nameTooLong : .lineTooLong(bytes: count, limit: maxMessageBytes))
        }
        let text = TextSanitizer.clean(bytes: buffer.readableBytesView)
        let trimmed = text.trimmingWhitespace
        let isQuit = PlainTexts.quitCommands.contains(trimmed.lowercased())
        if naming { return .request(isQuit ? .quit : .join(JoinRequest(name: text))) }
        if trimmed.isEmpty { return .nothing }
        guard trimmed.hasPrefix("/") || trimmed.hasPrefix("{") else { return .request(.say(text)) }
        if isQuit { return .request(.quit) }
        let words = trimmed.split(separator: " ", maxSplits: 1)
        let command = words[0].lowercased()
        switch command {
        case "/who": return .request(.who)
        case "/help": return .request(.help)
        case "/me": return words.count > 1 ? .request(.act(String(words[1]))) : .nothing
        case "/history": return .request(.history(words.count > 1 ? Int(words[1]) : nil))
        default:
            if trimmed.hasPrefix("{") { return .request(.say(text)) }
            return .rejected(.unknownCommand(command))
        }
    }

    func encode(_ reply: Reply, into buffer: inout ByteBuffer) {
        switch reply {
        case .greeting:
            buffer.writeLine(PlainTexts.greeting)
        case .welcome(let name, _, _, _):
            buffer.writeLine(PlainTexts.welcome(name))
        case .history(let block):
            // Plain mode says nothing of an empty catch-up, nor of a gap.
            if block.purpose == .catchUp && (block.total ?? block.events.count) == 0 { return }
            if block.opens { buffer.writeLine(PlainTexts.historyHeader(block.total ?? block.events.count)) }
            for event in block.events { buffer.writeLine(PlainText.historyLine(event)) }
            if block.closes { buffer.writeLine(PlainTexts.historyFooter) }
        case .who(let names):
            buffer.writeLine(PlainTexts.who(names))
        case .help:
            buffer.writeLine(PlainTexts.help)
        case .notice(.rateLimited(let rate)):
            buffer.writeLine(PlainTexts.rateLimited(rate))
        case .notice(.nameChanged(let change)):
            buffer.writeLine(PlainTexts.nameChanged(change))
        case .error(let failure):
            buffer.writeLine(PlainTexts.words(failure))
        case .goodbye:
            buffer.writeLine(PlainTexts.goodbye)
        case .shutdown(let message):
            buffer.writeLine(message.map { "*** \($0). Goodbye!" } ?? PlainTexts.shutdown)
        }
    }
}

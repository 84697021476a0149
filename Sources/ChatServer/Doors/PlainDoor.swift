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
        let argument = words.count > 1 ? String(String(words[1]).trimmingWhitespace) : nil
        switch command {
        case "/who": return .request(.who(room: argument))
        case "/help": return .request(.help)
        case "/me": return argument.map { DoorInput.request(.act($0)) } ?? .nothing
        case "/history": return .request(.history(argument.flatMap { Int($0) }))
        case "/join": return argument.map { DoorInput.request(.enter($0)) } ?? .rejected(.usage("/join ROOM"))
        case "/switch": return argument.map { DoorInput.request(.switchTo($0)) } ?? .rejected(.usage("/switch ROOM"))
        case "/part", "/leave": return .request(.part(argument))
        case "/rooms", "/list": return .request(.rooms)
        case "/topic": return .request(.topic(room: nil, text: argument))
        case "/nick": return argument.map { DoorInput.request(.rename($0)) } ?? .rejected(.usage("/nick NAME"))
        case "/msg":
            let parts = argument?.split(separator: " ", maxSplits: 1) ?? []
            guard parts.count == 2 else { return .rejected(.usage("/msg NAME TEXT")) }
            return .request(.privateMessage(to: String(parts[0]), text: String(parts[1])))
        default:
            if trimmed.hasPrefix("{") { return .request(.say(text)) }
            return .rejected(.unknownCommand(command))
        }
    }

    func encode(_ reply: Reply, into buffer: inout ByteBuffer) {
        switch reply {
        case .greeting:
            buffer.writeLine(PlainTexts.greeting)
        case .welcome(let name, _, _, _, _):
            buffer.writeLine(PlainTexts.welcome(name))
        case .history(let block):
            // Plain mode says nothing of an empty catch-up, nor of a gap.
            if block.purpose == .catchUp && (block.total ?? block.events.count) == 0 { return }
            if block.opens { buffer.writeLine(PlainTexts.historyHeader(block.total ?? block.events.count)) }
            for event in block.events { buffer.writeLine(PlainText.historyLine(event)) }
            if block.closes { buffer.writeLine(PlainTexts.historyFooter) }
        case .who(let room, let names):
            buffer.writeLine(PlainTexts.who(names, in: room))
        case .joined(let room, let topic, let names):
            buffer.writeLine(PlainTexts.joined(room, topic: topic, names: names))
        case .switched(let room):
            buffer.writeLine(PlainTexts.switched(room))
        case .parted(let room, let current):
            buffer.writeLine(PlainTexts.parted(room, current: current))
        case .rooms(let rooms):
            for line in PlainTexts.rooms(rooms) { buffer.writeLine(line) }
        case .topic(let room, let text, let by, let time):
            buffer.writeLine(PlainTexts.topic(room, text: text, by: by, timeMillis: time))
        case .renamed:
            // Each room the member is in shows the rename event.
            break
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

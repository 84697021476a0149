import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// The door for people with `nc` or telnet: a name, then lines of text and `/` commands.
struct PlainDoor: LineDoor {
    /// The limit on a message's text, for the words of a line too long to carry any.
    let maxMessageBytes: Int
    var format: WireFormat { .plain }
    var pings: Bool { false }

    func accepts(_ line: ByteBufferView) -> Bool { true }

    func decode(_ line: InboundLine, stage: DecodeStage) -> DoorInput {
        let naming = stage != .live
        guard case .line(let buffer) = line else {
            guard case .overlong(let count) = line else { return .nothing }
            return .rejected(naming ? .nameTooLong : .lineTooLong(bytes: count, limit: maxMessageBytes))
        }
        let text = TextSanitizer.clean(bytes: buffer.readableBytesView)
        let trimmed = text.trimmingWhitespace
        let isQuit = PlainTexts.quitCommands.contains(trimmed.lowercased())
        if stage == .password {
            // As typed, but for the line's end: a password may have spaces at either end.
            let password = String(decoding: buffer.readableBytesView, as: UTF8.self)
            return .request(
                isQuit ? .quit() : .password(password.hasSuffix("\r") ? String(password.dropLast()) : password))
        }
        if naming { return .request(isQuit ? .quit() : .join(JoinRequest(name: text))) }
        if trimmed.isEmpty { return .nothing }
        guard trimmed.hasPrefix("/") || trimmed.hasPrefix("{") else { return .request(.say(text)) }
        if isQuit { return .request(.quit()) }
        let words = trimmed.split(separator: " ", maxSplits: 1)
        let command = words[0].lowercased()
        let argument = words.count > 1 ? String(String(words[1]).trimmingWhitespace) : nil
        switch command {
        case "/who": return .request(.who(room: argument))
        case "/help": return .request(.help)
        case "/me": return argument.map { DoorInput.request(.act($0)) } ?? .nothing
        case "/history": return .request(.history(argument.flatMap { Int($0) }))
        case "/search": return argument.map { DoorInput.request(.search($0)) } ?? .rejected(.usage("/search WORDS"))
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
        case "/register":
            let parts = argument?.split(separator: " ").map(String.init) ?? []
            guard (1...2).contains(parts.count) else { return .rejected(.usage("/register PASSWORD [INVITE]")) }
            return .request(.register(password: parts[0], invite: parts.count == 2 ? parts[1] : nil))
        case "/kick":
            guard let (target, _, reason) = Self.moderation(argument, timed: false) else {
                return .rejected(.usage("/kick NAME [REASON]"))
            }
            return .request(.kick(name: target, reason: reason))
        case "/remove":
            // A room operator's kick out of the current room (`/kick` is the server's operators').
            guard let (target, _, reason) = Self.moderation(argument, timed: false) else {
                return .rejected(.usage("/remove NAME [REASON]"))
            }
            return .request(.kickFromRoom(room: nil, name: target, reason: reason))
        case "/ban", "/mute":
            guard let (target, seconds, reason) = Self.moderation(argument, timed: true) else {
                return .rejected(
                    .usage("\(command) \(command == "/ban" ? "NAME|ADDRESS" : "NAME") [DURATION] [REASON]"))
            }
            if command == "/ban" { return .request(.ban(target: target, seconds: seconds, reason: reason)) }
            return .request(.mute(name: target, seconds: seconds, reason: reason))
        case "/unban":
            return argument.map { DoorInput.request(.unban(target: $0)) } ?? .rejected(.usage("/unban NAME|ADDRESS"))
        case "/unmute":
            return argument.map { DoorInput.request(.unmute(name: $0)) } ?? .rejected(.usage("/unmute NAME"))
        default:
            if trimmed.hasPrefix("{") { return .request(.say(text)) }
            return .rejected(.unknownCommand(command))
        }
    }

    /// `NAME [DURATION] [REASON]`: the target, the seconds (when `timed` and a duration follows the
    /// name: `30m`, `2h`, `7d`), and the reason.
    private static func moderation(_ argument: String?, timed: Bool) -> (String, Int?, String)? {
        guard let words = argument?.split(separator: " ", maxSplits: 2).map(String.init), let target = words.first
        else { return nil }
        var rest = Array(words.dropFirst())
        var seconds: Int?
        if timed, let first = rest.first, let parsed = DurationWords.seconds(first) {
            seconds = parsed
            rest.removeFirst()
        }
        return (target, seconds, rest.joined(separator: " "))
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
        case .putOut(let room, let current):
            buffer.writeLine(PlainTexts.putOut(room, current: current))
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
        case .passwordNeeded(let name):
            buffer.writeLine(PlainTexts.passwordNeeded(name))
        case .registered(let name):
            buffer.writeLine(PlainTexts.registered(name))
        case .nowOperator:
            // Only IRC's OPER asks for it.
            break
        case .removed(let by, let reason, let why):
            buffer.writeLine(PlainTexts.removed(by: by, reason: reason, why: why))
        case .searchResults(let results):
            for line in PlainText.searchLines(query: results.query, hits: results.hits) { buffer.writeLine(line) }
        case .ping, .pong:
            // People with nc cannot answer; TCP keepalive finds their dead connections.
            break
        }
    }
}

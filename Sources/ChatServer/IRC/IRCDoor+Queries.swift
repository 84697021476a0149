import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// What the IRC door answers from the directory alone: names, who is who, modes, the server.
extension IRCDoor {
    /// `353` and nothing else: the names of `room`, in as many lines as it takes.
    func names(_ room: String, answer: inout ByteBuffer) {
        let channel = IRCLines.channel(room)
        var line: [String] = []
        var bytes = 0
        for name in directory.names(in: room).map(IRCLines.nick) {
            if bytes + name.utf8.count > 400, !line.isEmpty {
                answer.writeIRC(numeric: "353", me, "=", channel, text: line.joined(separator: " "))
                line = []
                bytes = 0
            }
            line.append(name)
            bytes += name.utf8.count + 1
        }
        if !line.isEmpty { answer.writeIRC(numeric: "353", me, "=", channel, text: line.joined(separator: " ")) }
    }

    func who(_ mask: String, answer: inout ByteBuffer) {
        if case .success(let name) = Room.name(mask), mask.hasPrefix("#"), let room = directory.room(name) {
            for person in directory.names(in: room) { whoLine(person, channel: IRCLines.channel(room), &answer) }
        } else if let person = directory.person(mask) {
            whoLine(person, channel: "*", &answer)
        }
        answer.writeIRC(numeric: "315", me, mask, text: "End of WHO list")
    }

    private func whoLine(_ person: String, channel: String, _ answer: inout ByteBuffer) {
        let nick = IRCLines.nick(person)
        let here = isMe(person) && away != nil ? "G" : "H"
        answer.writeIRC(
            numeric: "352", me, channel, nick, IRCLines.serverName, IRCLines.serverName, nick, here,
            text: "0 \(realName(of: person))")
    }

    func whois(_ target: String, answer: inout ByteBuffer) {
        guard let person = directory.person(target) else {
            answer.writeIRC(numeric: "401", me, target, text: "No such nick/channel")
            answer.writeIRC(numeric: "318", me, target, text: "End of /WHOIS list")
            return
        }
        let nick = IRCLines.nick(person)
        answer.writeIRC(numeric: "311", me, nick, nick, IRCLines.serverName, "*", text: realName(of: person))
        answer.writeIRC(numeric: "312", me, nick, IRCLines.serverName, text: "chatroom")
        if isMe(person), let away { answer.writeIRC(numeric: "301", me, nick, text: away) }
        answer.writeIRC(numeric: "318", me, nick, text: "End of /WHOIS list")
    }

    private func isMe(_ person: String) -> Bool {
        nick.map { $0.lowercased() == person.lowercased() } ?? false
    }

    private func realName(of person: String) -> String {
        isMe(person) ? (realName ?? person) : person
    }

    func mode(_ target: String, _ changes: [String], answer: inout ByteBuffer) {
        if target.hasPrefix("#") {
            guard case .success(let name) = Room.name(target), let room = directory.room(name) else {
                answer.writeIRC(numeric: "403", me, target, text: "No such channel")
                return
            }
            let channel = IRCLines.channel(room)
            if changes.isEmpty {
                answer.writeIRC(numeric: "324", me, channel, "+")
            } else if changes.count == 1, changes[0] == "b" || changes[0] == "+b" {
                answer.writeIRC(numeric: "368", me, channel, text: "End of channel ban list")
            } else {
                answer.writeIRC(numeric: "482", me, channel, text: "Channel modes are not kept here")
            }
            return
        }
        guard let person = directory.person(target) else {
            answer.writeIRC(numeric: "401", me, target, text: "No such nick/channel")
            return
        }
        guard isMe(person) else {
            answer.writeIRC(numeric: "502", me, text: "Can't change mode for other users")
            return
        }
        if changes.isEmpty {
            answer.writeIRC(numeric: "221", me, "+")
        } else {
            answer.writeIRC(numeric: "501", me, text: "Unknown MODE flag")
        }
    }

    /// `001` to `005`, the user count and the MOTD: the end of a registration.
    func writeWelcome(_ answer: inout ByteBuffer) {
        let version = "chatroom-\(chatroomVersion)"
        answer.writeIRC(numeric: "001", me, text: "Welcome to chatroom, \(me)")
        answer.writeIRC(numeric: "002", me, text: "Your host is \(IRCLines.serverName), running version \(version)")
        answer.writeIRC(numeric: "003", me, text: "This server keeps a record of everything said")
        answer.writeIRC(numeric: "004", me, IRCLines.serverName, version, "i", "nt")
        writeISupport(&answer)
        writeLusers(&answer)
        writeMOTD(&answer)
    }

    func writeISupport(_ answer: inout ByteBuffer) {
        let tokens = [
            "AWAYLEN=200", "CASEMAPPING=ascii", "CHANLIMIT=#:\(maxRoomsPerMember)", "CHANMODES=,,,nt",
            "CHANNELLEN=\(Room.maxNameLength + 1)", "CHANTYPES=#", "CHATHISTORY=1000", "LINELEN=512",
            "MSGREFTYPES=msgid", "NETWORK=chatroom", "NICKLEN=\(NameRules.maxLength)", "PREFIX=",
            "TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:,PART:", "TOPICLEN=\(maxMessageBytes)", "UTF8ONLY",
        ]
        for start in stride(from: 0, to: tokens.count, by: 12) {
            let some = Array(tokens[start..<min(start + 12, tokens.count)])
            answer.writeIRC(numeric: "005", [me] + some, text: "are supported by this server")
        }
    }

    func writeLusers(_ answer: inout ByteBuffer) {
        let people = directory.count
        answer.writeIRC(numeric: "251", me, text: "There are \(people) users and 0 invisible on 1 servers")
        answer.writeIRC(numeric: "254", me, String(directory.summaries().count), text: "channels formed")
        answer.writeIRC(numeric: "255", me, text: "I have \(people) clients and 0 servers")
    }

    func writeMOTD(_ answer: inout ByteBuffer) {
        guard let motd else {
            answer.writeIRC(numeric: "422", me, text: "MOTD File is missing")
            return
        }
        answer.writeIRC(numeric: "375", me, text: "- \(IRCLines.serverName) Message of the day - ")
        for line in motd { answer.writeIRC(numeric: "372", me, text: "- " + line) }
        answer.writeIRC(numeric: "376", me, text: "End of /MOTD command.")
    }
}

extension ByteBuffer {
    /// Writes `:chatroom COMMAND parameters :text\r\n` (`ERROR` without a source).
    mutating func writeIRC(_ command: String, _ parameters: String..., text: String? = nil) {
        writeIRC(command: command, parameters, text: text)
    }

    /// Writes a numeric reply: `:chatroom 001 nick parameters :text\r\n`.
    mutating func writeIRC(numeric: String, _ parameters: String..., text: String? = nil) {
        writeIRC(command: numeric, parameters, text: text)
    }

    mutating func writeIRC(numeric: String, _ parameters: [String], text: String? = nil) {
        writeIRC(command: numeric, parameters, text: text)
    }

    /// Writes a line from `source`: `:alice!alice@chatroom NICK :bob\r\n`.
    mutating func writeIRC(source: String, _ command: String, _ parameters: String..., text: String? = nil) {
        writeIRC(command: command, parameters, text: text, source: source)
    }

    private mutating func writeIRC(
        command: String, _ parameters: [String], text: String?, source: String = IRCLines.serverName
    ) {
        if command != "ERROR" { writeString(":\(source) ") }
        writeString(command)
        for parameter in parameters { writeString(" " + parameter) }
        if let text { writeString(" :" + text) }
        writeString("\r\n")
    }
}

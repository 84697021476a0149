import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// What the IRC door answers from the directory alone: names, who is who, modes, the server.
extension IRCDoor {
    /// `353` and nothing else: the names of `room` with their prefixes (`@alice`), in as many lines
    /// as it takes. A secret room's lines say `@` where others say `=`.
    func names(_ room: String, answer: inout ByteBuffer) {
        let channel = IRCLines.channel(room)
        let kind = directory.flags(of: room).contains(.secret) ? "@" : "="
        let full = capabilities.contains(.userhostInNames)
        var line: [String] = []
        var bytes = 0
        for member in directory.members(of: room) {
            let nick = IRCLines.nick(member.name)
            let name =
                prefix(member.roles) + (full ? "\(nick)!\(username(of: member.name))@\(IRCLines.userHost)" : nick)
            if bytes + name.utf8.count > 400, !line.isEmpty {
                answer.writeIRC(from: serverName, numeric: "353", me, kind, channel, text: line.joined(separator: " "))
                line = []
                bytes = 0
            }
            line.append(name)
            bytes += name.utf8.count + 1
        }
        if !line.isEmpty {
            answer.writeIRC(from: serverName, numeric: "353", me, kind, channel, text: line.joined(separator: " "))
        }
    }

    /// The marks of `roles`: `@`, `+`, or with `multi-prefix` both (`@+`).
    func prefix(_ roles: Set<RoomRole>) -> String {
        let marks = RoomRole.allCases.filter(roles.contains).map { String($0.prefix) }
        return capabilities.contains(.multiPrefix) ? marks.joined() : marks.first ?? ""
    }

    func who(_ mask: String, answer: inout ByteBuffer) {
        if mask.hasPrefix("#") {
            if case .success(let name) = Room.name(mask), let room = directory.room(name) {
                for member in directory.members(of: room) {
                    whoLine(member.name, channel: IRCLines.channel(room), roles: member.roles, &answer)
                }
            }
        } else if mask.contains("*") || mask.contains("?") || mask == "0" {
            // Everyone is invisible (+i): a mask finds only those who share a channel, and oneself.
            let pattern = mask == "0" ? "*" : mask
            let visible = Set(rooms.values.flatMap { directory.names(in: $0) } + [nick].compactMap { $0 })
            for person in visible.sorted() where IRCMask.matches(pattern, IRCLines.nick(person)) {
                whoLine(person, channel: "*", &answer)
            }
        } else if let person = directory.anyone(mask) {
            whoLine(person, channel: "*", &answer)
        }
        answer.writeIRC(from: serverName, numeric: "315", me, mask, text: "End of WHO list")
    }

    /// A `352`; its flags: here (`H`) or away (`G`), `*` for the server's operators, then the
    /// channel's prefixes.
    private func whoLine(
        _ person: String, channel: String, roles: Set<RoomRole> = [], _ answer: inout ByteBuffer
    ) {
        let nick = IRCLines.nick(person)
        let here = presence.person(person)?.away != nil ? "G" : "H"
        let flags = here + (directory.isServerOperator(person) ? "*" : "") + prefix(roles)
        answer.writeIRC(
            from: serverName, numeric: "352", me, channel, username(of: person), IRCLines.userHost, serverName, nick,
            flags,
            text: "0 \(realName(of: person))")
    }

    func whois(_ target: String, answer: inout ByteBuffer) {
        guard let person = directory.anyone(target) else {
            answer.writeIRC(from: serverName, numeric: "401", me, target, text: "No such nick/channel")
            answer.writeIRC(from: serverName, numeric: "318", me, target, text: "End of /WHOIS list")
            return
        }
        let nick = IRCLines.nick(person)
        answer.writeIRC(
            from: serverName, numeric: "311", me, nick, username(of: person), IRCLines.userHost, "*",
            text: realName(of: person))
        answer.writeIRC(from: serverName, numeric: "312", me, nick, serverName, text: "chatroom")
        if directory.isServerOperator(person) {
            answer.writeIRC(from: serverName, numeric: "313", me, nick, text: "is an IRC operator")
        }
        if let away = presence.person(person)?.away {
            answer.writeIRC(from: serverName, numeric: "301", me, nick, text: away)
        }
        answer.writeIRC(from: serverName, numeric: "318", me, nick, text: "End of /WHOIS list")
    }

    private func isMe(_ person: String) -> Bool {
        nick.map { $0.lowercased() == person.lowercased() } ?? false
    }

    private func realName(of person: String) -> String {
        presence.person(person)?.realName ?? person
    }

    /// The user name `person` gave with `USER`; its nick when it came by another door.
    func username(of person: String) -> String {
        presence.person(person)?.username ?? IRCLines.nick(person)
    }

    /// The role changes (`+o`, `+v`) one `MODE` line may make.
    static let maxRoleChanges = 4

    /// `MODE`: a channel's modes (`324`) or a change of them for the core, the ban list (empty:
    /// bans here are the server's), or one's own user modes.
    func mode(_ target: String, _ parameters: [String], answer: inout ByteBuffer) -> [DoorInput] {
        guard target.hasPrefix("#") else {
            userMode(target, parameters, answer: &answer)
            return []
        }
        guard case .success(let name) = Room.name(target), let room = directory.room(name) else {
            answer.writeIRC(from: serverName, numeric: "403", me, target, text: "No such channel")
            return []
        }
        let channel = IRCLines.channel(room)
        guard let modes = parameters.first else {
            let flags = String(directory.flags(of: room).map(\.rawValue).sorted())
            answer.writeIRC(from: serverName, numeric: "324", me, channel, "+n" + flags)
            return []
        }
        if modes == "b" || modes == "+b", parameters.count == 1 {
            answer.writeIRC(from: serverName, numeric: "368", me, channel, text: "End of channel ban list")
            return []
        }
        guard rooms[Room.key(room)] != nil else {
            answer.writeIRC(from: serverName, numeric: "442", me, channel, text: "You're not on that channel")
            return []
        }
        var changes: [RoomModeChange] = []
        var on = true
        var arguments = parameters.dropFirst().makeIterator()
        for letter in modes {
            switch letter {
            case "+", "-":
                on = letter == "+"
            case "n":
                // No messages from outside: always so here.
                break
            case _ where RoomFlag(rawValue: letter) != nil:
                // A flag changed twice in one line counts once, as last given.
                let flag = RoomFlag(rawValue: letter)!
                changes.removeAll { $0 == .flag(flag, on: !on) || $0 == .flag(flag, on: on) }
                changes.append(.flag(flag, on: on))
            case _ where RoomRole(rawValue: letter) != nil:
                // At most `maxRoleChanges` a line, as ISUPPORT's MODES says; the rest are ignored.
                if changes.count(where: { $0.target != nil }) == Self.maxRoleChanges { continue }
                guard let name = arguments.next() else {
                    answer.writeIRC(from: serverName, numeric: "461", me, "MODE", text: "Not enough parameters")
                    return []
                }
                changes.append(.role(RoomRole(rawValue: letter)!, on: on, name: name))
            default:
                answer.writeIRC(
                    from: serverName, numeric: "472", me, String(letter), text: "is unknown mode char to me")
            }
        }
        return changes.isEmpty ? [] : [.request(.mode(room: room, changes: changes))]
    }

    private func userMode(_ target: String, _ changes: [String], answer: inout ByteBuffer) {
        guard let person = directory.person(target) else {
            answer.writeIRC(from: serverName, numeric: "401", me, target, text: "No such nick/channel")
            return
        }
        guard isMe(person) else {
            answer.writeIRC(from: serverName, numeric: "502", me, text: "Can't change mode for other users")
            return
        }
        if changes.isEmpty {
            answer.writeIRC(from: serverName, numeric: "221", me, directory.isServerOperator(person) ? "+io" : "+i")
        } else {
            answer.writeIRC(from: serverName, numeric: "501", me, text: "Unknown MODE flag")
        }
    }

    /// `001` to `005`, the user count and the MOTD: the end of a registration.
    func writeWelcome(_ answer: inout ByteBuffer) {
        let version = "chatroom-\(chatroomVersion)"
        answer.writeIRC(from: serverName, numeric: "001", me, text: "Welcome to chatroom, \(me)")
        answer.writeIRC(
            from: serverName, numeric: "002", me, text: "Your host is \(serverName), running version \(version)")
        answer.writeIRC(from: serverName, numeric: "003", me, text: "This server keeps a record of everything said")
        answer.writeIRC(from: serverName, numeric: "004", me, serverName, version, "io", "mnstov", "ov")
        writeISupport(&answer)
        writeLusers(&answer)
        writeMOTD(&answer)
    }

    func writeISupport(_ answer: inout ByteBuffer) {
        let tokens = [
            "AWAYLEN=200", "CASEMAPPING=ascii", "CHANLIMIT=#:\(maxRoomsPerMember)", "CHANMODES=,,,mnst",
            "CHANNELLEN=\(Room.maxNameLength + 1)", "CHANTYPES=#", "CHATHISTORY=1000", "LINELEN=512",
            "MODES=\(Self.maxRoleChanges)", "MSGREFTYPES=msgid", "NETWORK=chatroom", "NICKLEN=\(NameRules.maxLength)",
            "PREFIX=(ov)@+",
            "TARGMAX=PRIVMSG:4,NOTICE:4,TAGMSG:4,JOIN:,PART:", "TOPICLEN=\(maxMessageBytes)", "UTF8ONLY",
        ]
        for start in stride(from: 0, to: tokens.count, by: 12) {
            let some = Array(tokens[start..<min(start + 12, tokens.count)])
            answer.writeIRC(from: serverName, numeric: "005", [me] + some, text: "are supported by this server")
        }
    }

    func writeLusers(_ answer: inout ByteBuffer) {
        let people = directory.count
        answer.writeIRC(
            from: serverName, numeric: "251", me, text: "There are \(people) users and 0 invisible on 1 servers")
        answer.writeIRC(
            from: serverName, numeric: "254", me, String(directory.summaries().count), text: "channels formed")
        answer.writeIRC(from: serverName, numeric: "255", me, text: "I have \(people) clients and 0 servers")
    }

    func writeMOTD(_ answer: inout ByteBuffer) {
        guard let motd else {
            answer.writeIRC(from: serverName, numeric: "422", me, text: "MOTD File is missing")
            return
        }
        answer.writeIRC(from: serverName, numeric: "375", me, text: "- \(serverName) Message of the day - ")
        for line in motd { answer.writeIRC(from: serverName, numeric: "372", me, text: "- " + line) }
        answer.writeIRC(from: serverName, numeric: "376", me, text: "End of /MOTD command.")
    }
}

extension ByteBuffer {
    /// Writes `:SOURCE COMMAND parameters :text\r\n` (no source: `ERROR :text`).
    mutating func writeIRC(from source: String?, _ command: String, _ parameters: String..., text: String? = nil) {
        writeIRC(from: source, command: command, parameters, text: text)
    }

    /// Writes a numeric reply: `:SERVER 001 nick parameters :text\r\n`.
    mutating func writeIRC(from server: String, numeric: String, _ parameters: String..., text: String? = nil) {
        writeIRC(from: server, command: numeric, parameters, text: text)
    }

    mutating func writeIRC(from server: String, numeric: String, _ parameters: [String], text: String? = nil) {
        writeIRC(from: server, command: numeric, parameters, text: text)
    }

    private mutating func writeIRC(from source: String?, command: String, _ parameters: [String], text: String?) {
        if let source { writeString(":\(source) ") }
        writeString(command)
        for parameter in parameters { writeString(" " + parameter) }
        if let text { writeString(" :" + text) }
        writeString("\r\n")
    }
}

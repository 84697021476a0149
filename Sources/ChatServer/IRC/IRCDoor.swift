import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// The door for IRC clients (irssi, WeeChat, HexChat) on the IRC port: registration (`CAP`,
/// `PASS`, `NICK`, `USER`) becomes one hello, channels are rooms, queries are private messages.
/// What IRC asks of the server alone (`PING`, `CAP`, `MODE`, `WHOIS`, `NAMES`) the door answers
/// from the directory; everything that is said or changes a room goes through the core.
struct IRCDoor: Door {
    /// Where names and rooms are looked up (`NAMES`, `WHO`, `WHOIS`, `LIST`).
    let directory: ChatDirectory
    /// User names, real names and away messages of the server's IRC users.
    let presence: IRCPresence
    /// The server's name in numerics (`--irc-server-name`).
    let serverName: String
    /// The limit on a message's text, for the words of a line too long.
    let maxMessageBytes: Int
    /// The most rooms one member may be in (`CHANLIMIT`; the core refuses more).
    let maxRoomsPerMember: Int
    /// What `MOTD` says (nil: no MOTD, `422`).
    let motd: [String]?
    /// The server's password (`--irc-password-file`): nil when there is none. With one, `PASS` is
    /// it, and accounts log in with SASL.
    let serverPassword: String?
    /// Nodes share names (PostgreSQL): a nick not present here may be on another node, so a
    /// private message to it goes to the core, which looks it up.
    var namesShared = false

    /// The nick asked for, then the member's name.
    var nick: String?
    /// `USER` was sent: its user name and real name.
    var username: String?
    var realName: String?
    var password: String?
    /// What `PASS` gave when the server has a password of its own.
    var givenServerPassword: String?
    var capabilities: Set<IRCCapability> = []
    /// `CAP LS` or `CAP REQ` came and `CAP END` has not: registration waits.
    var negotiating = false
    /// The hello was sent to the core; its answer has not come.
    var registering = false
    /// The welcome came.
    var registered = false
    /// The rooms the member is in, by key, as spelled.
    var rooms: [String: String] = [:]
    /// History batches opened so far (their references).
    var batches = 0
    /// The reference of the catch-up batch left open across pages.
    var openBatch: String?
    /// `AUTHENTICATE PLAIN` came: the next `AUTHENTICATE` carries the credentials.
    var saslStarted = false
    /// The hello carries SASL credentials: its outcome is told as 903 or 904.
    var saslHello = false
    /// The welcome of a SASL login that came before `CAP END`: sent after it.
    var heldWelcome: ByteBuffer?
    /// `QUIT` came: nothing more is read or answered.
    var quitting = false

    init(
        directory: ChatDirectory, presence: IRCPresence, serverName: String = IRCLines.defaultServerName,
        maxMessageBytes: Int, maxRoomsPerMember: Int, motd: [String]? = nil, serverPassword: String? = nil
    ) {
        self.serverPassword = serverPassword
        self.directory = directory
        self.presence = presence
        self.serverName = serverName
        self.maxMessageBytes = maxMessageBytes
        self.maxRoomsPerMember = maxRoomsPerMember
        self.motd = motd
    }

    var format: WireFormat { .irc(IRCCapability.tags(capabilities)) }
    var pings: Bool { true }
    var namesSilentNewcomers: Bool { false }
    var ownEvents: OwnEventFilter? {
        guard registered, let nick else { return nil }
        return OwnEventFilter(name: nick, echo: capabilities.contains(.echoMessage))
    }

    func accepts(_ line: ByteBufferView) -> Bool { true }

    func closed() {
        if registered, let nick { presence.set(nick, nil) }
    }

    /// Messages follow messages at once (the core keeps their order); anything else, whose answer
    /// must follow their fan-out (a `PING`, a `WHO`, a `PART`), waits for their commit.
    func waitsForCommits(_ line: InboundLine) -> Bool {
        guard case .line(let buffer) = line else { return true }
        var bytes = buffer.readableBytesView[...]
        if bytes.first == UInt8(ascii: "@") {
            guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return true }
            bytes = bytes[(space + 1)...].drop { $0 == UInt8(ascii: " ") }
        }
        let command = bytes.prefix { $0 != UInt8(ascii: " ") }
        let word = String(decoding: command, as: UTF8.self).uppercased()
        return word != "PRIVMSG" && word != "NOTICE" && word != "TAGMSG"
    }

    /// The target of numerics: the nick, or `*` before there is one.
    var me: String { nick.map(IRCLines.nick) ?? "*" }

    mutating func read(_ line: InboundLine, stage: DecodeStage, answer: inout ByteBuffer) -> [DoorInput] {
        guard !quitting else { return [] }
        guard case .line(let buffer) = line else {
            if case .overlong = line {
                answer.writeIRC(from: serverName, numeric: "417", me, text: "Input line was too long")
            }
            return []
        }
        var bytes = buffer.readableBytesView[...]
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        // 512 bytes with the line's end, not counting the tags and the space after them (Modern IRC).
        let tags = bytes.first == UInt8(ascii: "@") ? (bytes.firstIndex(of: UInt8(ascii: " ")) ?? bytes.endIndex) : nil
        let body = tags.map { bytes.endIndex - $0 - 1 } ?? bytes.count
        // And at most 4094 bytes of tags from a client (IRCv3 message-tags).
        let tagBytes = tags.map { $0 - bytes.startIndex - 1 } ?? 0
        guard body + 2 <= IRCLines.maxLineBytes, tagBytes <= 4094 else {
            answer.writeIRC(from: serverName, numeric: "417", me, text: "Input line was too long")
            return []
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            answer.writeIRC(
                from: serverName, "FAIL", "*", "INVALID_UTF8", text: "Message rejected: lines must be UTF-8")
            return []
        }
        guard let message = try? IRCMessage(parsing: Substring(text)) else { return [] }
        let command = message.command.uppercased()
        let parameters = message.parameters
        if command == "CAP" { return capability(parameters, answer: &answer) }
        if command == "PING" {
            guard let token = parameters.first else {
                answer.writeIRC(from: serverName, numeric: "409", me, text: "No origin specified")
                return []
            }
            answer.writeIRC(from: serverName, "PONG", serverName, text: token)
            return []
        }
        if command == "PONG" { return [] }
        if command == "AUTHENTICATE" { return authenticate(parameters.first ?? "", answer: &answer) }
        guard registered else { return register(command, parameters, stage: stage, answer: &answer) }
        // Client-only tags are relayed for a client that asked for message-tags (IRCv3).
        let clientTags = capabilities.contains(.messageTags) ? message.clientTags : nil
        return live(command, parameters, clientTags: clientTags, answer: &answer)
    }

    // MARK: Registration

    private mutating func register(
        _ command: String, _ parameters: [String], stage: DecodeStage, answer: inout ByteBuffer
    ) -> [DoorInput] {
        switch command {
        case "PASS":
            guard let password = parameters.first else { return needMore(command, &answer) }
            if stage == .password { return [.request(.password(password))] }
            if serverPassword != nil {
                givenServerPassword = password
            } else {
                self.password = password
            }
        case "NICK":
            guard let typed = parameters.first, !typed.isEmpty else {
                answer.writeIRC(from: serverName, numeric: "431", me, text: "No nickname given")
                return []
            }
            guard Self.isValidNick(typed) else {
                answer.writeIRC(from: serverName, numeric: "432", me, typed, text: "Erroneous nickname")
                return []
            }
            nick = typed
            if stage == .password { return sendHello(typed, answer: &answer) }
        case "USER":
            guard parameters.count >= 4, !parameters[0].isEmpty, !parameters[3].isEmpty else {
                return needMore(command, &answer)
            }
            username = String(parameters[0].prefix(16))
            realName = parameters[3]
        case "QUIT":
            quitting = true
            answer.writeIRC(from: nil, "ERROR", text: "Closing link: quit")
            return [.request(.quit())]
        default:
            answer.writeIRC(from: serverName, numeric: "451", me, text: "You have not registered")
            return []
        }
        guard let nick, realName != nil, !negotiating, !registering else { return [] }
        return sendHello(nick, answer: &answer)
    }

    /// The hello of a registration: no room (the client joins its channels), the exact nick; or,
    /// when the server has a password and `PASS` did not give it, `464` and the connection closed.
    private mutating func sendHello(_ nick: String, answer: inout ByteBuffer) -> [DoorInput] {
        if let serverPassword {
            let given = Array((givenServerPassword ?? "").utf8)
            guard givenServerPassword != nil, PasswordHasher.constantTimeEqual(given, Array(serverPassword.utf8))
            else {
                quitting = true
                answer.writeIRC(from: serverName, numeric: "464", me, text: "Password incorrect")
                answer.writeIRC(from: nil, "ERROR", text: "Closing link: the server's password is needed (PASS)")
                return [.request(.quit())]
            }
        }
        registering = true
        return [.request(.join(JoinRequest(name: nick, password: password, roomless: true, exactName: true)))]
    }

    /// Whether `typed` can be an IRC nick and a name here as it is (the core would change it
    /// otherwise, and an IRC client must know its own nick).
    static func isValidNick(_ typed: String) -> Bool {
        guard typed.count <= NameRules.maxLength, IRCLines.nick(typed) == typed else { return false }
        guard let first = typed.first, !first.isNumber, first != "-" else { return false }
        return NameRules.normalize(typed) == typed && !NameRules.isReserved(typed)
    }

    // MARK: Capabilities

    private mutating func capability(_ parameters: [String], answer: inout ByteBuffer) -> [DoorInput] {
        let sub = parameters.first?.uppercased() ?? ""
        switch sub {
        case "LS":
            if !registered { negotiating = true }
            let values = parameters.count > 1 && (Int(parameters[1]) ?? 0) >= 302
            answer.writeIRC(
                from: serverName, "CAP", me, "LS", text: IRCCapability.offered(withValues: values))
        case "LIST":
            answer.writeIRC(
                from: serverName, "CAP", me, "LIST",
                text: capabilities.map(\.rawValue).sorted().joined(separator: " "))
        case "REQ":
            if !registered { negotiating = true }
            let asked = parameters.count > 1 ? parameters[1] : ""
            var granted = capabilities
            var known = true
            for item in asked.split(separator: " ") {
                let removing = item.hasPrefix("-")
                guard let capability = IRCCapability(rawValue: String(removing ? item.dropFirst() : item)) else {
                    known = false
                    break
                }
                if removing { granted.remove(capability) } else { granted.insert(capability) }
            }
            answer.writeIRC(from: serverName, "CAP", me, known ? "ACK" : "NAK", text: asked)
            if known { capabilities = granted }
        case "END":
            negotiating = false
            if let held = heldWelcome {
                answer.writeImmutableBuffer(held)
                heldWelcome = nil
            }
            guard !registered else { return [] }
            guard let nick, realName != nil, !registering else { return [] }
            return sendHello(nick, answer: &answer)
        default:
            answer.writeIRC(from: serverName, numeric: "410", me, sub, text: "Invalid CAP command")
        }
        return []
    }

    // MARK: SASL

    /// `AUTHENTICATE PLAIN`, then `AUTHENTICATE <base64>`: the hello is sent at once with the
    /// account and its password (the core checks them: TLS or loopback only); 903 or 904 follows.
    private mutating func authenticate(_ argument: String, answer: inout ByteBuffer) -> [DoorInput] {
        guard capabilities.contains(.sasl) else {
            answer.writeIRC(
                from: serverName, numeric: "421", me, "AUTHENTICATE",
                text: "Unknown command (ask for the sasl capability)")
            return []
        }
        guard !registered else {
            answer.writeIRC(from: serverName, numeric: "907", me, text: "You have already authenticated")
            return []
        }
        if argument == "*" {
            saslStarted = false
            answer.writeIRC(from: serverName, numeric: "906", me, text: "SASL authentication aborted")
            return []
        }
        guard saslStarted else {
            guard argument.uppercased() == "PLAIN" else {
                answer.writeIRC(from: serverName, numeric: "908", me, "PLAIN", text: "are available SASL mechanisms")
                answer.writeIRC(from: serverName, numeric: "904", me, text: "SASL authentication failed")
                return []
            }
            saslStarted = true
            answer.writeIRC(from: serverName, "AUTHENTICATE", "+")
            return []
        }
        saslStarted = false
        guard let plain = SASLPlain(base64: argument),
            plain.authorization.isEmpty || plain.authorization == plain.account
        else {
            answer.writeIRC(from: serverName, numeric: "904", me, text: "SASL authentication failed")
            return []
        }
        guard !registering else { return [] }
        password = plain.password
        nick = plain.account
        saslHello = true
        return sendHello(plain.account, answer: &answer)
    }

    // MARK: A member's commands

    private mutating func live(
        _ command: String, _ parameters: [String], clientTags: String?, answer: inout ByteBuffer
    ) -> [DoorInput] {
        let first = parameters.first
        switch command {
        case "TAGMSG":
            return tagMessages(parameters, clientTags: clientTags, answer: &answer)
        case "PRIVMSG", "NOTICE":
            return messages(command, parameters, clientTags: clientTags, answer: &answer)
        case "JOIN":
            guard let channels = first else { return needMore(command, &answer) }
            if channels == "0" { return rooms.values.sorted().map { .request(.part($0)) } }
            return channels.split(separator: ",").compactMap { typed -> DoorInput? in
                guard let room = channelRoom(String(typed), answer: &answer) else { return nil }
                return rooms[Room.key(room)] == nil ? .request(.enter(room)) : nil
            }
        case "PART":
            guard let channels = first else { return needMore(command, &answer) }
            return channels.split(separator: ",").compactMap { typed -> DoorInput? in
                guard let room = joinedRoom(String(typed), answer: &answer) else { return nil }
                return .request(.part(room, reason: parameters.count > 1 ? IRCLines.plainText(parameters[1]) : ""))
            }
        case "TOPIC":
            guard let channel = first else { return needMore(command, &answer) }
            guard let room = joinedRoom(channel, answer: &answer) else { return [] }
            return [.request(.topic(room: room, text: parameters.count > 1 ? IRCLines.plainText(parameters[1]) : nil))]
        case "NICK":
            guard let typed = first, !typed.isEmpty else {
                answer.writeIRC(from: serverName, numeric: "431", me, text: "No nickname given")
                return []
            }
            guard Self.isValidNick(typed) else {
                answer.writeIRC(from: serverName, numeric: "432", me, typed, text: "Erroneous nickname")
                return []
            }
            return [.request(.rename(typed))]
        case "QUIT":
            quitting = true
            return [.request(.quit(reason: first.map(IRCLines.plainText) ?? ""))]
        case "NAMES":
            guard let first else {
                answer.writeIRC(from: serverName, numeric: "366", me, "*", text: "End of /NAMES list")
                return []
            }
            for typed in first.split(separator: ",") {
                let room = Room.name(String(typed)).map { directory.room($0) }
                if case .success(let room?) = room { names(room, answer: &answer) }
                answer.writeIRC(from: serverName, numeric: "366", me, String(typed), text: "End of /NAMES list")
            }
        case "WHO":
            who(first ?? "*", answer: &answer)
        case "WHOIS":
            guard let target = parameters.last else {
                answer.writeIRC(from: serverName, numeric: "431", me, text: "No nickname given")
                return []
            }
            whois(target, answer: &answer)
        case "LIST":
            return [.request(.rooms)]
        case "MODE":
            guard let target = first else { return needMore(command, &answer) }
            return mode(target, Array(parameters.dropFirst()), answer: &answer)
        case "AWAY":
            let away = first.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
            if let nick { presence.setAway(nick, away) }
            if away == nil {
                answer.writeIRC(from: serverName, numeric: "305", me, text: "You are no longer marked as being away")
            } else {
                answer.writeIRC(from: serverName, numeric: "306", me, text: "You have been marked as being away")
            }
        case "USERHOST":
            let found = parameters.prefix(5).compactMap { directory.anyone($0) }.map { person in
                let away = presence.person(person)?.away != nil ? "-" : "+"
                return "\(IRCLines.nick(person))=\(away)\(username(of: person))@\(IRCLines.userHost)"
            }
            answer.writeIRC(from: serverName, numeric: "302", me, text: found.joined(separator: " "))
        case "ISON":
            let online = parameters.flatMap { $0.split(separator: " ") }.compactMap { directory.anyone(String($0)) }
            answer.writeIRC(
                from: serverName, numeric: "303", me, text: online.map(IRCLines.nick).joined(separator: " "))
        case "MOTD":
            writeMOTD(&answer)
        case "LUSERS":
            writeLusers(&answer)
        case "VERSION":
            answer.writeIRC(from: serverName, numeric: "351", me, "chatroom-\(chatroomVersion)", serverName, text: "")
            writeISupport(&answer)
        case "TIME":
            let now = Timestamp.iso8601(currentTimeMillis())
            answer.writeIRC(from: serverName, numeric: "391", me, serverName, text: now)
        case "OPER":
            guard parameters.count >= 2 else { return needMore(command, &answer) }
            return [.request(.elevate(account: parameters[0], password: parameters[1]))]
        case "KICK":
            guard parameters.count >= 2 else { return needMore(command, &answer) }
            guard let room = joinedRoom(parameters[0], answer: &answer) else { return [] }
            let reason = parameters.count > 2 ? IRCLines.plainText(parameters[2]) : ""
            return parameters[1].split(separator: ",").map {
                .request(.kickFromRoom(room: room, name: String($0), reason: reason))
            }
        case "KILL":
            // The server's operators: out of the server, as `/kick` does.
            guard parameters.count >= 1 else { return needMore(command, &answer) }
            return [
                .request(
                    .kick(name: parameters[0], reason: parameters.count > 1 ? IRCLines.plainText(parameters[1]) : ""))
            ]
        case "CHATHISTORY":
            return chatHistory(parameters, answer: &answer)
        case "SEARCH":
            // Not IRC's: `/search words` in irssi (`/quote SEARCH words` in WeeChat); the answer is NOTICEs.
            guard !parameters.isEmpty else { return needMore(command, &answer) }
            return [.request(.search(parameters.joined(separator: " ")))]
        case "PASS", "USER":
            answer.writeIRC(from: serverName, numeric: "462", me, text: "You may not reregister")
        default:
            answer.writeIRC(from: serverName, numeric: "421", me, command, text: "Unknown command")
        }
        return []
    }

    /// The room a channel names, for a JOIN; nil (and an error) when it cannot be one.
    private func channelRoom(_ typed: String, answer: inout ByteBuffer) -> String? {
        guard typed.hasPrefix("#"), case .success(let room) = Room.name(typed) else {
            answer.writeIRC(
                from: serverName, numeric: "403", me, typed, text: "No such channel (names are letters, digits, - _ .)")
            return nil
        }
        return room
    }

    /// The member's room a channel names; nil (and `442` or `403`) when it is not in it.
    private func joinedRoom(_ typed: String, answer: inout ByteBuffer) -> String? {
        if case .success(let name) = Room.name(typed), let room = rooms[Room.key(name)] { return room }
        let exists = Room.name(typed).map { directory.room($0) != nil } == .success(true)
        if exists {
            answer.writeIRC(from: serverName, numeric: "442", me, typed, text: "You're not on that channel")
        } else {
            answer.writeIRC(from: serverName, numeric: "403", me, typed, text: "No such channel")
        }
        return nil
    }

    func needMore(_ command: String, _ answer: inout ByteBuffer) -> [DoorInput] {
        answer.writeIRC(from: serverName, numeric: "461", me, command, text: "Not enough parameters")
        return []
    }
}

import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// The core's replies in IRC's words: numerics, and lines from the member's own source.
extension IRCDoor {
    mutating func encode(_ reply: Reply, into buffer: inout ByteBuffer) {
        switch reply {
        case .searchResults(let results):
            for line in PlainText.searchLines(query: results.query, hits: results.hits) {
                buffer.writeIRC(from: serverName, "NOTICE", me, text: line)
            }
        case .greeting, .switched, .who, .pong, .parted, .putOut:
            // IRC says nothing before registration; a part comes as its PART event, a kick as KICK.
            if case .parted(let room, _) = reply { rooms[Room.key(room)] = nil }
            if case .putOut(let room, _) = reply { rooms[Room.key(room)] = nil }
        case .welcome(let name, _, _, _, _):
            nick = name
            presence.set(
                name, IRCPresence.Person(username: username ?? IRCLines.nick(name), realName: realName ?? name))
            registered = true
            registering = false
            if saslHello {
                buffer.writeIRC(
                    from: serverName, numeric: "900", me, IRCLines.source(name), name,
                    text: "You are now logged in as \(name)")
                buffer.writeIRC(from: serverName, numeric: "903", me, text: "SASL authentication successful")
            }
            guard negotiating else { return writeWelcome(&buffer) }
            // Registration ends with CAP END.
            var held = ByteBuffer()
            writeWelcome(&held)
            heldWelcome = held
        case .joined(let room, let topic, _):
            rooms[Room.key(room)] = room
            let channel = IRCLines.channel(room)
            buffer.writeIRC(from: IRCLines.source(nick ?? ""), "JOIN", channel)
            if !topic.isEmpty { writeTopic(room, topic, &buffer) }
            names(room, answer: &buffer)
            buffer.writeIRC(from: serverName, numeric: "366", me, channel, text: "End of /NAMES list")
        case .history(let block):
            writeHistory(block, &buffer)
        case .rooms(let summaries):
            buffer.writeIRC(from: serverName, numeric: "321", me, "Channel", text: "Users  Name")
            for room in summaries {
                buffer.writeIRC(
                    from: serverName, numeric: "322", me, IRCLines.channel(room.name), String(room.members),
                    text: room.topic)
            }
            buffer.writeIRC(from: serverName, numeric: "323", me, text: "End of /LIST")
        case .topic(let room, let text, _, _):
            if text.isEmpty {
                buffer.writeIRC(from: serverName, numeric: "331", me, IRCLines.channel(room), text: "No topic is set")
            } else {
                writeTopic(room, text, &buffer)
            }
        case .renamed(let from, let to):
            buffer.writeIRC(from: IRCLines.source(from), "NICK", text: IRCLines.nick(to))
            nick = to
            presence.rename(from: from, to: to)
        case .help:
            for line in Self.help { buffer.writeIRC(from: serverName, "NOTICE", me, text: line) }
        case .notice(.rateLimited(let rate)):
            buffer.writeIRC(from: serverName, "NOTICE", me, text: PlainTexts.rateLimited(rate))
        case .notice(.nameChanged):
            // An IRC hello asks for its exact nick: it is refused (433), never changed.
            break
        case .error(let failure):
            writeError(failure, &buffer)
        case .goodbye:
            buffer.writeIRC(from: nil, "ERROR", text: "Closing link: \(me) (Quit)")
        case .shutdown(let message):
            buffer.writeIRC(from: nil, "ERROR", text: "Closing link: \(message ?? "the server is shutting down")")
        case .passwordNeeded(let name):
            registering = false
            let how = serverPassword == nil ? "send its password with PASS" : "log in with SASL PLAIN"
            buffer.writeIRC(from: serverName, numeric: "464", me, text: "\(name) is a registered name: \(how)")
        case .registered(let name):
            buffer.writeIRC(from: serverName, "NOTICE", me, text: PlainTexts.registered(name))
        case .nowOperator:
            buffer.writeIRC(from: serverName, numeric: "381", me, text: "You are now an IRC operator")
            buffer.writeIRC(from: IRCLines.source(nick ?? ""), "MODE", me, "+o")
        case .removed(let by, let reason, let why):
            buffer.writeIRC(
                from: nil, "ERROR", text: "Closing link: \(PlainTexts.removed(by: by, reason: reason, why: why))")
        case .ping:
            buffer.writeIRC(from: serverName, "PING", text: serverName)
        }
    }

    private func writeTopic(_ room: String, _ text: String, _ buffer: inout ByteBuffer) {
        let channel = IRCLines.channel(room)
        buffer.writeIRC(from: serverName, numeric: "332", me, channel, text: text)
        if let topic = directory.topic(of: room) {
            buffer.writeIRC(
                from: serverName, numeric: "333", me, channel, IRCLines.nick(topic.by), String(topic.timeMillis / 1000))
        }
    }

    /// History: in a `chathistory` batch with each message's time and id to a client that asked
    /// for batches and times, else as plain PRIVMSG lines with the time in front of the text.
    /// Only messages and actions: joins and leaves of the past are not replayed. A client that
    /// asked for `draft/chathistory` gets none on join: it asks with `CHATHISTORY`.
    private mutating func writeHistory(_ block: HistoryBlock, _ buffer: inout ByteBuffer) {
        // A client with CHATHISTORY asks for what it wants.
        if block.purpose == .catchUp, capabilities.contains(.chatHistory) { return }
        let tags = IRCCapability.tags(capabilities)
        let batched = capabilities.contains(.batch) && !tags.isEmpty
        let target = block.room == Room.privateName ? me : IRCLines.channel(block.room)
        var reference: String?
        if batched {
            if block.opens {
                batches += 1
                openBatch = "h\(batches)"
                buffer.writeIRC(from: serverName, "BATCH", "+\(openBatch!)", "chathistory", target)
            }
            reference = openBatch
        }
        var scratch: [UInt8] = []
        for event in block.events where event.kind.isSpeech {
            IRCLines.append(event, tags: tags, batch: reference, visibleTime: tags.isEmpty, to: &scratch)
        }
        buffer.writeBytes(scratch)
        if batched, block.closes, let open = openBatch {
            buffer.writeIRC(from: serverName, "BATCH", "-\(open)")
            openBatch = nil
        }
    }

    /// A failure as its numeric, or as a NOTICE when IRC has none.
    private mutating func writeError(_ failure: Failure, _ buffer: inout ByteBuffer) {
        switch failure {
        case .nameTaken(let name), .nameLooksLike(let name, _), .nameRegistered(let name):
            if !registered { (nick, registering) = (nil, false) }
            if saslHello {
                saslHello = false
                buffer.writeIRC(
                    from: serverName, numeric: "904", me, text: "SASL authentication failed: the name is in use")
            }
            buffer.writeIRC(
                from: serverName, numeric: "433", me, IRCLines.nick(name), text: "Nickname is already in use")
        case .nameReserved(let name):
            if !registered { (nick, registering) = (nil, false) }
            buffer.writeIRC(
                from: serverName, numeric: "432", me, IRCLines.nick(name), text: "Erroneous nickname (reserved)")
        case .wrongPassword, .noSuchAccount, .accountRequired, .plaintextPassword, .tooManyAttempts:
            registering = false
            if saslHello {
                saslHello = false
                password = nil
                buffer.writeIRC(from: serverName, "NOTICE", me, text: PlainTexts.words(failure))
                buffer.writeIRC(from: serverName, numeric: "904", me, text: "SASL authentication failed")
                return
            }
            // After registration the password was an OPER's.
            let words = registered ? "" : ": " + PlainTexts.words(failure)
            buffer.writeIRC(from: serverName, numeric: "464", me, text: "Password incorrect" + words)
        case .banned:
            buffer.writeIRC(from: serverName, numeric: "465", me, text: PlainTexts.words(failure))
        case .noNameInTime:
            buffer.writeIRC(from: nil, "ERROR", text: "Closing link: registration timed out")
        case .joinNotStored:
            buffer.writeIRC(from: nil, "ERROR", text: "Closing link: " + PlainTexts.words(failure))
        case .emptyMessage:
            buffer.writeIRC(from: serverName, numeric: "412", me, text: "No text to send")
        case .lineTooLong:
            buffer.writeIRC(from: serverName, numeric: "417", me, text: PlainTexts.words(failure))
        case .notInRoom(let room):
            buffer.writeIRC(
                from: serverName, numeric: "442", me, IRCLines.channel(room), text: "You're not on that channel")
        case .badRoomName:
            buffer.writeIRC(from: serverName, numeric: "479", me, "*", text: PlainTexts.words(failure))
        case .tooManyRooms, .tooManyRoomsForMember, .roomsTooFast:
            buffer.writeIRC(from: serverName, numeric: "405", me, "*", text: PlainTexts.words(failure))
        case .noSuchName(let name):
            buffer.writeIRC(from: serverName, numeric: "401", me, IRCLines.nick(name), text: "No such nick/channel")
        case .usage(let usage):
            buffer.writeIRC(from: serverName, numeric: "461", me, "*", text: "Not enough parameters: \(usage)")
        case .notOperator:
            buffer.writeIRC(from: serverName, numeric: "481", me, text: "Permission Denied- You're not an IRC operator")
        case .notRoomOperator(let room):
            buffer.writeIRC(
                from: serverName, numeric: "482", me, IRCLines.channel(room), text: "You're not channel operator")
        case .moderatedRoom(let room):
            buffer.writeIRC(
                from: serverName, numeric: "404", me, IRCLines.channel(room), text: "Cannot send to channel (+m)")
        case .notInThatRoom(let name, let room):
            buffer.writeIRC(
                from: serverName, numeric: "441", me, IRCLines.nick(name), IRCLines.channel(room),
                text: "They aren't on that channel")
        case .notAnOperatorAccount:
            buffer.writeIRC(from: serverName, numeric: "491", me, text: "No O-lines for your host")
        case .unknownCommand(let command):
            buffer.writeIRC(from: serverName, numeric: "421", me, command, text: "Unknown command")
        case .alreadyJoined:
            buffer.writeIRC(from: serverName, numeric: "462", me, text: "You may not reregister")
        case .joinFirst:
            buffer.writeIRC(from: serverName, numeric: "451", me, text: "You have not registered")
        default:
            buffer.writeIRC(from: serverName, "NOTICE", me, text: PlainTexts.words(failure))
        }
    }

    static let help = [
        "This is chatroom's IRC door: channels are rooms, queries are private messages.",
        "JOIN #room, PART #room, PRIVMSG #room :text, PRIVMSG nick :text, /me, NICK, TOPIC, NAMES, WHO,",
        "WHOIS, LIST, AWAY, QUIT. Everything said is recorded; CHATHISTORY LATEST #room * 50 reads it,",
        "and SEARCH words (irssi: /search words) finds it in your channels and queries.",
    ]
}

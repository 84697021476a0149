import ChatCore
import ChatModel

/// The words the server says to people in plain mode.
enum PlainTexts {
    static let greeting = "Welcome to chatroom! Type your name and press Enter:"
    static let quitCommands: Set<String> = ["{quit}", "{exit}", "/quit", "/exit"]

    static func welcome(_ name: String) -> String {
        "Hello \(name)! Type a message and press Enter. /who lists who is here, /help lists commands, {quit} leaves."
    }

    /// Why the member is not called what they typed, and what they are called.
    static func nameChanged(_ change: NameChange) -> String {
        let name = change.name
        let taken = change.lookalike.map { lookalike(change.requested, holder: $0) } ?? "\(change.requested) is taken"
        switch (change.cleaning, change.taken) {
        case (.kept, _): return "The name \(taken); you are \(name)."
        case (.noName, false):
            if change.adjustments.isEmpty { return "You gave no name, so you are \(name)." }
            return "Nothing was left of the name you gave once \(cleaning(change.adjustments)), so you are \(name)."
        case (.noName, true): return "You gave no name, and \(taken), so you are \(name)."
        case (.rewritten, false): return "\(capitalized(cleaning(change.adjustments))): you are \(name)."
        case (.rewritten, true): return "\(capitalized(cleaning(change.adjustments))), and \(taken): you are \(name)."
        }
    }

    /// What cleaning did to a name, in words: `invisible characters were removed`.
    static func cleaning(_ adjustments: Set<NameAdjustment>) -> String {
        var words: [String] = []
        if adjustments.contains(.invisible) { words.append("invisible characters were removed") }
        if adjustments.contains(.controls) { words.append("control characters were removed") }
        if adjustments.contains(.compatibility) {
            words.append("letters in special forms (full-width, circled, mathematical) were made plain")
        }
        if adjustments.contains(.marks) { words.append("stacked accents were removed") }
        if adjustments.contains(.spaces) || adjustments.contains(.tooLong) || words.isEmpty { words.append(nameRule) }
        return words.joined(separator: "; ")
    }
    private static let nameRule =
        "names are at most \(NameRules.maxLength) characters (\(NameRules.maxBytes) bytes), without spaces"

    /// `аlice looks like alice, who is here`, and why.
    static func lookalike(_ name: String, holder: String) -> String {
        "\(name) looks like \(holder), who is here (names that look alike count as the same name)"
    }

    private static func capitalized(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    static func reserved(_ name: String) -> String {
        "The name \(name) is reserved\(reservedBecause(name)); please choose another:"
    }

    /// ` (it looks like server)` when `name` is reserved for looking like a reserved name.
    static func reservedBecause(_ name: String) -> String {
        guard let like = NameRules.reservedName(like: name), like != name.lowercased() else { return "" }
        return " (it looks like \(like))"
    }

    static let nameTooLong = "That name is far too long; please choose another:"

    static func historyHeader(_ count: Int) -> String {
        "--- recent history: \(count) \(count == 1 ? "event" : "events") (UTC) ---"
    }
    static let historyFooter = "--- end of history ---"

    static let help = """
        Commands: /who [ROOM] (who is here), /me ACTION (say what you do), /history [N] (recent events), \
        /join ROOM (enter or create a room; lines then go there), /switch ROOM, /part [ROOM] (leave a room), \
        /rooms (every room), /topic [TEXT] (show or set the topic), /msg NAME TEXT (private message), \
        /nick NAME (new name), /search WORDS (find messages in your rooms), /quit or {quit} or {exit} (leave). Anything else is a message to the room. \
        Room operators: /remove NAME [REASON] (put NAME out of the current room). \
        \(accountHelp)
        """

    /// Who is in a room; the default room keeps the words of the one-room server.
    static func who(_ names: [String], in room: String) -> String {
        let place = room == Room.defaultName ? "the room" : Room.display(room)
        return "In \(place) (\(names.count)): " + names.joined(separator: ", ")
    }

    static func joined(_ room: String, topic: String, names: [String]) -> String {
        let topicWords = topic.isEmpty ? "" : " Topic: \(topic)."
        return
            "*** You are in \(Room.display(room)) now (\(names.count) here: \(names.joined(separator: ", "))).\(topicWords)"
            + " Lines you type go to \(Room.display(room)); /switch ROOM changes that."
    }

    static func switched(_ room: String) -> String { "*** Lines you type go to \(Room.display(room)) now." }

    static func parted(_ room: String, current: String) -> String {
        "*** You left \(Room.display(room)). Lines you type go to \(Room.display(current))."
    }

    static func putOut(_ room: String, current: String?) -> String {
        guard let current else {
            return
                "*** You are no longer in \(Room.display(room)), nor in any room: /join ROOM enters one, /rooms lists them."
        }
        return "*** You are no longer in \(Room.display(room)). Lines you type go to \(Room.display(current))."
    }

    /// `Rooms (2):` and a line for each.
    static func rooms(_ rooms: [RoomSummary]) -> [String] {
        ["Rooms (\(rooms.count)):"]
            + rooms.map { room in
                let people = room.members == 1 ? "1 person" : "\(room.members) people"
                return "  \(Room.display(room.name)) (\(people))" + (room.topic.isEmpty ? "" : ": \(room.topic)")
            }
    }

    static func topic(_ room: String, text: String, by: String?, timeMillis: Int64?) -> String {
        guard !text.isEmpty else { return "\(Room.display(room)) has no topic; /topic TEXT sets one." }
        let setBy = by.map { " (set by \($0)" + (timeMillis.map { ", \(Timestamp.readable($0)) UTC)" } ?? ")") } ?? ""
        return "Topic of \(Room.display(room)): \(text)\(setBy)"
    }
    static func unknownCommand(_ command: String) -> String { "Unknown command \(command); /help lists commands." }
    static func lineTooLong(_ bytes: Int, limit: Int) -> String {
        "error: your message was \(bytes) bytes, over the limit of \(limit); it was not sent."
    }
    static func notStored(_ reason: String) -> String {
        "error: your message could not be stored, so nobody saw it (\(reason))."
    }
    static func rateLimited(_ rate: Double) -> String {
        "notice: you are sending more than \(Int(rate)) messages a second; your messages are being slowed down."
    }
    static func full(_ limit: Int) -> String { "Sorry, the room is full (\(limit) people). Please try again later." }
    static func tooManyFromAddress(_ limit: Int) -> String {
        let connections = limit == 1 ? "1 connection" : "\(limit) connections"
        return "Sorry, your address already has \(connections) here, the most allowed. Close one and try again."
    }
    static let tooManyNewcomers = "Sorry, too many people are joining right now. Please try again in a minute."
    static let noNameInTime = "error: no usable name was given in time. Goodbye!"
    static let shutdown = "*** The server is shutting down. Goodbye!"
    static let goodbye = "Goodbye!"
    static func joinNotStored(_ reason: String) -> String {
        "error: you could not join: your join could not be stored (\(reason)). Please try again later."
    }

    /// The words for a failure.
    static func words(_ failure: Failure) -> String {
        if let words = accountWords(failure) { return words }
        switch failure {
        case .nameReserved(let name): return reserved(name)
        case .nameTooLong: return nameTooLong
        case .lineTooLong(let bytes, let limit): return lineTooLong(bytes, limit: limit)
        case .notStored(let reason): return notStored(reason)
        case .joinNotStored(let reason): return joinNotStored(reason)
        case .emptyMessage: return "an empty message is not sent"
        case .unknownCommand(let command): return unknownCommand(command)
        case .joinFirst: return "send hello first"
        case .noNameInTime: return noNameInTime
        case .alreadyJoined: return "already joined: hello comes once"
        case .watchOnly: return "you are watching: messages and actions are not sent (quit and join to talk)"
        case .invalid(_, let message): return message
        case .badRoomName(let problem): return "error: \(problem.words)."
        case .notInRoom(let room): return "error: you are not in \(Room.display(room)); /join \(room) enters it."
        case .tooManyRooms(let limit):
            return "error: the server has \(limit) rooms, its limit; /rooms lists them, join one of those."
        case .tooManyRoomsForMember(let limit):
            return "error: you are in \(limit) rooms, the limit; /part one first."
        case .roomsTooFast(let seconds):
            return "error: you are making new rooms too fast; try again in \(Int(seconds.rounded(.up))) s."
        case .lastRoom(let room):
            return "error: \(Room.display(room)) is your only room; /join another first, or /quit to leave."
        case .noSuchName(let name): return "error: nobody called \(name) is here; the message was not sent."
        case .nameTaken(let name): return "error: the name \(name) is taken; you keep your name."
        case .nameLooksLike(let name, let holder):
            return "error: the name \(lookalike(name, holder: holder)); you keep your name."
        case .usage(let usage): return "usage: \(usage)"
        case .notRoomOperator(let room):
            return "error: only the operators of \(Room.display(room)) may do that; nothing was changed."
        case .moderatedRoom(let room):
            return
                "error: \(Room.display(room)) is moderated: only its operators and voiced members speak; nothing was sent."
        case .notInThatRoom(let name, let room): return "error: \(name) is not in \(Room.display(room))."
        case .notAnOperatorAccount(let name): return "error: \(name) is not an operator's account."
        default: return "error: \(failure)"
        }
    }
}

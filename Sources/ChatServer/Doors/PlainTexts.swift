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
        let requested = change.requested
        switch (change.cleaning, change.taken) {
        case (.kept, _): return "The name \(requested) is taken; you are \(name)."
        case (.noName, false): return "You gave no name, so you are \(name)."
        case (.noName, true): return "You gave no name, and \(requested) is taken, so you are \(name)."
        case (.rewritten, false): return "\(nameRule): you are \(name)."
        case (.rewritten, true): return "\(nameRule), and \(requested) is taken: you are \(name)."
        }
    }
    private static let nameRule = "Names are at most \(NameRules.maxLength) characters, without spaces"

    static func reserved(_ name: String) -> String {
        "The name \(name) is reserved; please choose another:"
    }

    static let nameTooLong = "That name is far too long; please choose another:"

    static func historyHeader(_ count: Int) -> String {
        "--- recent history: \(count) \(count == 1 ? "event" : "events") (UTC) ---"
    }
    static let historyFooter = "--- end of history ---"

    static let help = """
        Commands: /who (who is here), /me ACTION (say what you do), /history [N] (recent events), \
        /quit or {quit} or {exit} (leave). Anything else is a message to the room.
        """

    static func who(_ names: [String]) -> String { "In the room (\(names.count)): " + names.joined(separator: ", ") }
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
    static let shutdown = "*** The server is shutting down. Goodbye!"
    static let goodbye = "Goodbye!"
    static func joinNotStored(_ reason: String) -> String {
        "error: you could not join: your join could not be stored (\(reason)). Please try again later."
    }

    /// The words for a failure.
    static func words(_ failure: Failure) -> String {
        switch failure {
        case .nameReserved(let name): return reserved(name)
        case .nameTooLong: return nameTooLong
        case .lineTooLong(let bytes, let limit): return lineTooLong(bytes, limit: limit)
        case .notStored(let reason): return notStored(reason)
        case .joinNotStored(let reason): return joinNotStored(reason)
        case .emptyMessage: return "an empty message is not sent"
        case .unknownCommand(let command): return unknownCommand(command)
        case .joinFirst: return "send hello first"
        case .alreadyJoined: return "already joined: hello comes once"
        case .watchOnly: return "you are watching: messages and actions are not sent (quit and join to talk)"
        case .invalid(_, let message): return message
        }
    }
}

import ChatModel
import ChatProtocol

/// What a line typed by the user means.
public enum UserInput: Sendable, Equatable {
    /// Something for the server: a message, an action, `/who`, `/history`, `/part`, `/msg`...
    case send(ClientMessage)
    /// `/join ROOM`: enter the room, or make it current when already in it.
    case join(String)
    /// `/switch ROOM`: make a room one is in current.
    case switchTo(String)
    /// `/quit`, `/exit`, `{quit}`, `{exit}`.
    case quit
    /// `/help`: shown locally.
    case help
    /// `/register` alone: the interactive client asks for the new password twice, without echo.
    case registerPrompt
    /// A mistyped command: the hint is shown, nothing is sent.
    case hint(String)
    /// An empty line.
    case nothing

    /// Events `/history` asks for when given no number.
    public static let defaultHistory = 20

    /// The help text, one line per command.
    public static let helpLines = [
        "/join ROOM      enter a room (created if new), or make it current",
        "/switch ROOM    make a room you are in current (also Alt+1…9: the Nth room joined)",
        "/part [ROOM]    leave a room (default: the current one), staying in the others",
        "/rooms          every room, with its people and topic",
        "/who [ROOM]     who is in the room",
        "/topic [TEXT]   show or set the current room's topic",
        "/msg NAME TEXT  a private message",
        "/nick NAME      change your name",
        "/me ACTION      say what you do: /me waves",
        "/history [N]    the last N events again (default \(defaultHistory))",
        "/search WORDS   find messages in your rooms and your private messages, newest first",
        "/register       keep your name: asks for a password, not shown (or /register PASSWORD [INVITE])",
        "/remove NAME [REASON]             the room's operators: put someone out of the current room",
        "/kick NAME [REASON]               operators: put someone out of the server",
        "/ban NAME|IP [DURATION] [REASON]  operators: keep out (DURATION like 30m 2h 7d; none: until lifted)",
        "/unban NAME|IP                    operators: lift a ban",
        "/mute NAME [DURATION] [REASON]    operators: refuse someone's messages",
        "/unmute NAME                      operators: lift a mute",
        "/quit           leave (also {quit}, {exit}, Ctrl+C, Ctrl+D)",
        "/help           this list;  //text sends /text as a message",
        "keys: ← → Home End (Ctrl+A/E), Backspace, Delete, Ctrl+U/K/W erase, ↑ ↓ recall earlier lines",
    ]

    /// Reads one typed line; `room` is the room messages and room commands go to (nil: the
    /// server's current room, for servers without rooms).
    public static func parse(_ line: String, room: String? = nil) -> UserInput {
        let trimmed = line.trimming(" \t")
        if trimmed.isEmpty { return .nothing }
        if trimmed.hasPrefix("//") { return .send(.say(String(trimmed.dropFirst()), room: room)) }
        let lowered = trimmed.lowercased()
        if ["{quit}", "{exit}"].contains(lowered) { return .quit }
        guard trimmed.hasPrefix("/") else { return .send(.say(line, room: room)) }
        let parts = trimmed.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        let command = parts[0].lowercased()
        let argument = parts.count > 1 ? parts[1].trimming(" \t") : ""
        switch command {
        case "/quit", "/exit": return .quit
        case "/help", "/?": return .help
        case "/who": return roomArgument(argument) { .send(.who(room: $0 ?? room)) }
        case "/me":
            return argument.isEmpty
                ? .hint("usage: /me ACTION, for example /me waves") : .send(.me(argument, room: room))
        case "/history":
            if argument.isEmpty { return .send(.history(limit: defaultHistory, room: room)) }
            guard let count = Int(argument), (1...1000).contains(count) else {
                return .hint("usage: /history [N], N from 1 to 1000")
            }
            return .send(.history(limit: count, room: room))
        case "/join", "/switch":
            guard !argument.isEmpty else { return .hint("usage: \(command) ROOM, for example \(command) dev") }
            return roomArgument(argument) { command == "/join" ? .join($0!) : .switchTo($0!) }
        case "/part": return roomArgument(argument) { .send(.part(room: $0 ?? room)) }
        case "/rooms": return argument.isEmpty ? .send(.rooms) : .hint("/rooms takes no argument")
        case "/topic": return .send(.topic(room: room, text: argument.isEmpty ? nil : argument))
        case "/msg":
            let words = argument.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard words.count == 2 else { return .hint("usage: /msg NAME TEXT, for example /msg bob hi") }
            return .send(.msg(to: String(words[0]), text: words[1].trimming(" \t")))
        case "/nick":
            guard !argument.isEmpty, !argument.contains(" ") else {
                return .hint("usage: /nick NAME, for example /nick alice")
            }
            return .send(.nick(argument))
        case "/search":
            return argument.isEmpty
                ? .hint("usage: /search WORDS, for example /search deploy notes") : .send(.search(query: argument))
        case "/register": return register(argument)
        case "/remove":
            let (name, reason) = firstWord(argument)
            guard let name else { return .hint("usage: /remove NAME [REASON], for example /remove bob off topic") }
            return .send(.roomKick(name: name, room: room, reason: reason))
        case "/kick":
            let (name, reason) = firstWord(argument)
            guard let name else { return .hint("usage: /kick NAME [REASON], for example /kick bob spam") }
            return .send(.kick(name: name, reason: reason))
        case "/ban", "/mute":
            let (target, rest) = firstWord(argument)
            guard let target else {
                let what = command == "/ban" ? "NAME|ADDRESS" : "NAME"
                return .hint(
                    "usage: \(command) \(what) [DURATION] [REASON], DURATION like 30m 2h 7d (none: until lifted)")
            }
            let (word, afterWord) = firstWord(rest)
            let seconds = word.flatMap(DurationWords.seconds)
            let reason = seconds == nil ? rest : afterWord
            return .send(
                command == "/ban"
                    ? .ban(target: target, seconds: seconds, reason: reason)
                    : .mute(name: target, seconds: seconds, reason: reason))
        case "/unban", "/unmute":
            guard !argument.isEmpty, !argument.contains(" ") else {
                return .hint("usage: \(command) \(command == "/unban" ? "NAME|ADDRESS" : "NAME")")
            }
            return .send(command == "/unban" ? .unban(target: argument) : .unmute(name: argument))
        default:
            return .hint("unknown command \(TextSanitizer.clean(String(parts[0]))): not sent; /help lists commands")
        }
    }

    /// `/register` alone (ask for the password), or `/register PASSWORD [INVITE]`.
    private static func register(_ argument: String) -> UserInput {
        let words = argument.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch words.count {
        case 0: return .registerPrompt
        case 1: return .send(.register(password: words[0]))
        case 2: return .send(.register(password: words[0], invite: words[1]))
        default: return .hint("usage: /register PASSWORD [INVITE] (a password without spaces; /register alone asks)")
        }
    }

    /// The first word of `text` (nil when there is none) and the rest, trimmed.
    private static func firstWord(_ text: String) -> (String?, String) {
        let words = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard let first = words.first else { return (nil, "") }
        return (String(first), words.count > 1 ? words[1].trimming(" \t") : "")
    }

    /// `make` with the room named in `argument` (nil when there is none), or a hint when it is
    /// not a room name.
    private static func roomArgument(_ argument: String, _ make: (String?) -> UserInput) -> UserInput {
        guard !argument.isEmpty else { return make(nil) }
        switch Room.name(argument) {
        case .success(let name): return make(name)
        case .failure(let problem): return .hint(TextSanitizer.clean(problem.words) + ": not sent")
        }
    }
}

extension StringProtocol {
    func trimming(_ set: String) -> String {
        let characters = Set(set)
        let start = firstIndex { !characters.contains($0) } ?? endIndex
        let end = lastIndex { !characters.contains($0) }.map { index(after: $0) } ?? start
        return String(self[start..<end])
    }
}

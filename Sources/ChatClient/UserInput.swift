import ChatModel
import ChatProtocol

/// What a line typed by the user means.
public enum UserInput: Sendable, Equatable {
    /// Something for the server: a message, an action, `/who`, `/history`.
    case send(ClientMessage)
    /// `/quit`, `/exit`, `{quit}`, `{exit}`.
    case quit
    /// `/help`: shown locally.
    case help
    /// A mistyped command: the hint is shown, nothing is sent.
    case hint(String)
    /// An empty line.
    case nothing

    /// Events `/history` asks for when given no number.
    public static let defaultHistory = 20

    /// The help text, one line per command.
    public static let helpLines = [
        "/who            who is in the room",
        "/me ACTION      say what you do: /me waves",
        "/history [N]    the last N events again (default \(defaultHistory))",
        "/quit           leave (also {quit}, {exit}, Ctrl+C, Ctrl+D)",
        "/help           this list;  //text sends /text as a message",
        "keys: ← → Home End (Ctrl+A/E), Backspace, Delete, Ctrl+U/K/W erase, ↑ ↓ recall earlier lines",
    ]

    /// Reads one typed line.
    public static func parse(_ line: String) -> UserInput {
        let trimmed = line.trimming(" \t")
        if trimmed.isEmpty { return .nothing }
        if trimmed.hasPrefix("//") { return .send(.say(String(trimmed.dropFirst()))) }
        let lowered = trimmed.lowercased()
        if ["{quit}", "{exit}"].contains(lowered) { return .quit }
        guard trimmed.hasPrefix("/") else { return .send(.say(line)) }
        let parts = trimmed.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        let command = parts[0].lowercased()
        let argument = parts.count > 1 ? parts[1].trimming(" \t") : ""
        switch command {
        case "/quit", "/exit": return .quit
        case "/help", "/?": return .help
        case "/who": return argument.isEmpty ? .send(.who()) : .hint("/who takes no argument")
        case "/me":
            return argument.isEmpty ? .hint("usage: /me ACTION, for example /me waves") : .send(.me(argument))
        case "/history":
            if argument.isEmpty { return .send(.history(limit: defaultHistory)) }
            guard let count = Int(argument), (1...1000).contains(count) else {
                return .hint("usage: /history [N], N from 1 to 1000")
            }
            return .send(.history(limit: count))
        default:
            return .hint("unknown command \(TextSanitizer.clean(String(parts[0]))): not sent; /help lists commands")
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

import ArgumentParser
import ChatModel
import ChatReplay
import ChatStore

/// `chat-replay sessions`: every server run with its start, end, duration, participants and messages.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions", abstract: "List the recorded sessions (server runs).")

    @OptionGroup var options: DatabaseOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Show times in local time instead of UTC (table only).")
    var local = false

    func run() async throws {
        let reader = try options.openReader()
        let sessions = try storeQuery { try reader.sessions() }
        let output = FileOutput.standardOutput()
        let now = currentTimeMillis()
        if json {
            try output.write(SessionTable.json(sessions, now: now))
        } else if sessions.isEmpty {
            try output.write("no sessions recorded yet\n")
        } else {
            try output.write(SessionTable.text(sessions, now: now, local: local))
        }
        try output.finish()
    }
}

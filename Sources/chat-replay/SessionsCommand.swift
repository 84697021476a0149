import ArgumentParser
import ChatModel
import ChatReplay
import ChatStore

/// `chat-replay sessions`: every server run with its start, end, duration, participants and messages.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions", abstract: "List the recorded sessions (server runs).",
        discussion: """
            Each row is one run of chat-server: its start, its end (or running, or unclean after a \
            crash), how many people and messages; then, per session and room, messages, joins and leaves \
            (private messages are counted in a row of their own, never shown). Give its number to `export --session N` or \
            `replay --session N`.

            Examples:
              chat-replay sessions
              chat-replay sessions --json --database /backups/chat.sqlite
            """)

    @OptionGroup var options: DatabaseOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Show times in local time instead of UTC (table only).")
    var local = false

    func run() async throws {
        let (sessions, rooms) = try await options.withSource { source, _ in
            try await sourceQuery { (try await source.sessions(), try await source.roomCounts()) }
        }
        let output = FileOutput.standardOutput()
        let now = currentTimeMillis()
        if json {
            try output.write(SessionTable.json(sessions, rooms: rooms, now: now))
        } else if sessions.isEmpty {
            try output.write("no sessions recorded yet\n")
        } else {
            try output.write(SessionTable.text(sessions, rooms: rooms, now: now, local: local))
        }
        try output.finish()
    }
}

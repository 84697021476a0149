import ArgumentParser
import ChatModel
import ChatReplay
import ChatStore
import Foundation

/// `chat-replay`: sessions, transcripts and replay of a chat database, for debugging.
public struct ChatReplayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chat-replay",
        abstract: "List sessions, export transcripts and replay what happened in a chat database.",
        discussion: """
            The database is opened read-only: safe while chat-server runs. Start with `sessions` to \
            see the server runs, `export` one as a transcript, or `replay` it with its timing.

            Examples:
              chat-replay sessions
              chat-replay export --format html -o today.html
              chat-replay replay --follow
              chat-replay search deploy friday
            """,
        subcommands: [
            SessionsCommand.self, ExportCommand.self, ReplayCommand.self, SearchCommand.self, BackupCommand.self,
            MigrateCommand.self,
        ])

    public init() {}

    /// Parses the command line and runs the subcommand; a failure is one line on standard error
    /// (`chat-replay: error: ...`) and exit status 2, a differing `--verify` exits 1.
    public static func runAndExit() async -> Never {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let error as ReplayError {
            if !error.message.isEmpty { standardError("chat-replay: error: \(error.message)\n") }
            Foundation.exit(error.status)
        } catch let error as StoreError {
            standardError("chat-replay: error: \(ReplayError(error).message)\n")
            Foundation.exit(2)
        } catch {
            exit(withError: error)
        }
    }
}

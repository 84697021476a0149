import ArgumentParser
import ChatModel
import ChatReplay
import ChatStore

/// `--database PATH`, shared by every subcommand; the file is always opened read-only.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The chat database, opened read-only (the same default as chat-server).")
    var database: String = ReplayDefaults.databasePath

    /// A read-only reader of the database, or one clear error.
    func openReader() throws(ReplayError) -> EventReader {
        try ReplayDatabase.openReader(path: database)
    }
}

extension TranscriptFormat: ExpressibleByArgument {}

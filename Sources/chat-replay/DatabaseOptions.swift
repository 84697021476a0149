import ArgumentParser
import ChatModel
import ChatReplay
import ChatStore
import ChatStorePostgres

/// `--database PATH`, shared by every subcommand; the file is always opened read-only.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The chat database, opened read-only (the same default as chat-server).")
    var database: String = ReplayDefaults.databasePath

    /// A read-only reader of the database, or one clear error (a PostgreSQL address is refused:
    /// its readers have no sessions table with room counts, filters or exports yet).
    func openReader() throws(ReplayError) -> EventReader {
        if PostgresAddress.isAddress(database) {
            throw ReplayError(
                "chat-replay reads SQLite files only; a PostgreSQL record is not readable here yet (docs/SCALING.md)")
        }
        return try ReplayDatabase.openReader(path: database)
    }
}

extension TranscriptFormat: ExpressibleByArgument {}

import ArgumentParser
import ChatModel
import ChatReplay
import ChatStore
import ChatStorePostgres

/// `--database PATH` (or `postgres://…` where a command reads PostgreSQL), shared by every
/// subcommand; a file is always opened read-only.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "The chat database, opened read-only (chat-server's default); or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE."
    )
    var database: String = ReplayDefaults.databasePath

    /// Runs `body` with the record, a SQLite file or a PostgreSQL database, and the name error
    /// messages give it (a path, or the address without its password); closes a PostgreSQL
    /// connection afterwards.
    func withSource<T>(_ body: (any ReplaySource, String) async throws -> T) async throws -> T {
        guard PostgresAddress.isAddress(database) else {
            return try await body(try ReplayDatabase.openReader(path: database), database)
        }
        let source = try PostgresReplaySource(address: database)
        do {
            let result = try await body(source, source.place)
            await source.close()
            return result
        } catch {
            await source.close()
            throw error
        }
    }
}

extension TranscriptFormat: ExpressibleByArgument {}

import ArgumentParser
import ChatReplay
import ChatStore
import ChatStorePostgres
import Foundation

/// `chat-replay backup OUT.sqlite`: a consistent, verified copy of the database, while the server runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the database, consistently, while chat-server runs.",
        discussion: """
            The copy is one moment of the database (SQLite's online backup, in one read transaction: \
            the server goes on committing meanwhile), checked with `PRAGMA integrity_check` and \
            counted, then put in place whole. To restore: stop chat-server, put the copy in place of \
            the database (removing its `-wal` and `-shm` files), and start it again.

            From a PostgreSQL database (--database postgres://…), the copy is a SQLite chat file of \
            its record (sessions, events with their ids, rooms), read in one snapshot while the nodes \
            run: a portable archive that chat-replay reads and `migrate` restores. pg_dump is the \
            database's own backup.

            Examples:
              chat-replay backup chat-backup.sqlite
              chat-replay backup --database class.sqlite /backups/class-monday.sqlite --force
              chat-replay backup --database postgres://chat@127.0.0.1/chat archive.sqlite
            """)

    @OptionGroup var options: DatabaseOptions

    @Argument(help: "The file to write the copy to.")
    var output: String

    @Flag(help: "Overwrite OUTPUT if it exists.")
    var force = false

    func run() async throws {
        let started = Date()
        let (report, place) = try await copy()
        let seconds = Date().timeIntervalSince(started)
        let megabytes = Double(report.bytes) / 1_048_576
        print(
            "backup of \(place) to \(output): \(report.events) events (last id \(report.lastEventID)), "
                + "\(report.sessions) sessions, \(report.rooms) rooms, integrity ok, "
                + String(format: "%.1f MB in %.2f s", megabytes, seconds))
    }

    /// Writes the copy; returns what it holds and the database's name for the summary (an
    /// address without its password).
    private func copy() async throws(ReplayError) -> (Backup.Report, String) {
        guard PostgresAddress.isAddress(options.database) else {
            // A missing file or another program's, in the usual words.
            _ = try ReplayDatabase.openReader(path: options.database)
            let report = try storeQuery { try Backup.copy(from: options.database, to: output, overwrite: force) }
            return (report, options.database)
        }
        let address: PostgresAddress
        do {
            address = try PostgresAddress(options.database)
        } catch {
            throw ReplayError(error.message)
        }
        let report = try await sourceQuery {
            try await PostgresBackup.copy(from: address, to: output, overwrite: force)
        }
        return (report, address.description)
    }
}

import ArgumentParser
import ChatReplay
import ChatStore
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

            Examples:
              chat-replay backup chat-backup.sqlite
              chat-replay backup --database class.sqlite /backups/class-monday.sqlite --force
            """)

    @OptionGroup var options: DatabaseOptions

    @Argument(help: "The file to write the copy to.")
    var output: String

    @Flag(help: "Overwrite OUTPUT if it exists.")
    var force = false

    func run() async throws {
        _ = try options.openReader(for: "backup")  // a missing file or another program's, in the usual words
        let started = Date()
        let report = try storeQuery { try Backup.copy(from: options.database, to: output, overwrite: force) }
        let seconds = Date().timeIntervalSince(started)
        let megabytes = Double(report.bytes) / 1_048_576
        print(
            "backup of \(options.database) to \(output): \(report.events) events (last id \(report.lastEventID)), "
                + "\(report.sessions) sessions, \(report.rooms) rooms, integrity ok, "
                + String(format: "%.1f MB in %.2f s", megabytes, seconds))
    }
}

import ArgumentParser
import ChatReplay
import Foundation

/// `chat-replay migrate --to postgres://…`: the SQLite record moved into an empty PostgreSQL database.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Copy a SQLite chat record into an empty PostgreSQL database.",
        discussion: """
            Copies every session and event, with their ids, rooms, the accounts book (accounts, \
            invites, sanctions) and retention's purge record, in one transaction, then checks the \
            counts; a database that already holds a chat record is refused. Stop chat-server \
            first, or events it commits meanwhile are left behind.

            Examples:
              chat-replay migrate --from chat.sqlite --to postgres://chat@127.0.0.1:5432/chat
            """)

    @Option(name: .long, help: "The SQLite chat database to copy (read-only).")
    var from: String = ReplayDefaults.databasePath

    @Option(name: .long, help: "The PostgreSQL database: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.")
    var to: String

    func run() async throws {
        let started = Date()
        let report = try await Migration.run(from: from, to: to)
        let seconds = Date().timeIntervalSince(started)
        print(
            "migrated \(from): \(report.events) events (last id \(report.lastEventID)), \(report.sessions) sessions, "
                + "\(report.rooms) rooms, \(report.accounts) accounts, \(report.invites) invites, "
                + "\(report.sanctions) sanctions, \(report.purges) purges (\(report.purgedEvents) events purged), "
                + "counts verified, "
                + String(format: "%.2f s", seconds))
    }
}

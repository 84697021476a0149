import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// `PostgresImport` the other way: a PostgreSQL chat record written out as a SQLite chat file
/// (`ChatArchive`): sessions and events with their ids, client tags included, rooms in the
/// database's order, retention's record (`PostgresPurgeRecord`), all read in one repeatable-read snapshot while
/// nodes go on committing. A portable archive of the record, which `chat-replay` reads and `migrate` restores; `pg_dump` is
/// the database's own backup.
public enum PostgresBackup {
    /// Events read per query.
    static let pageSize = 1000

    /// Writes the record at `address` to `destination`, which must not exist unless `overwrite`;
    /// `progress` is told the events written so far. The destination is whole or untouched.
    public static func copy(
        from address: PostgresAddress, to destination: String, overwrite: Bool = false,
        logger: Logger = Logger(label: "chat.store.postgres"), progress: (@Sendable (Int) -> Void)? = nil
    ) async throws(StoreError) -> Backup.Report {
        let archive = try ChatArchive(destination: destination, overwrite: overwrite)
        do {
            try await PostgresLink.once(address, role: "backup", logger: logger, "reading the record for a backup") {
                connection in
                try await connection.query(
                    "START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                try await write(from: connection, to: archive, logger: logger, progress: progress)
                try await connection.query("COMMIT", logger: logger)
            }
        } catch {
            archive.discard()
            throw error
        }
        return try archive.finish()
    }

    /// Sessions, rooms (by id: the order they were made), then events a page at a time.
    private static func write(
        from connection: PostgresConnection, to archive: ChatArchive, logger: Logger,
        progress: (@Sendable (Int) -> Void)?
    ) async throws {
        let sessions = try await connection.query(
            "SELECT id, started_ms, ended_ms, state, host, port, version FROM sessions ORDER BY id", logger: logger)
        for try await row in sessions {
            let (id, started, ended, state, host, port, version) = try row.decode(
                (Int64, Int64, Int64?, String, String, Int32, String).self)
            try archive.add(
                Session(
                    id: id, startedMillis: started, endedMillis: ended,
                    state: Session.State(rawValue: state) ?? .unclean,
                    host: host, port: Int(port), version: version))
        }
        for try await name in try await connection.query("SELECT name FROM rooms ORDER BY id", logger: logger)
            .decode(String.self)
        {
            try archive.addRoom(name)
        }
        var (last, written) = (Int64(0), 0)
        while true {
            let rows = try await connection.query(
                "\(unescaped: PostgresRows.eventColumns) WHERE e.id > \(last) ORDER BY e.id LIMIT \(pageSize)",
                logger: logger)
            var page: [Event] = []
            for try await row in rows { page.append(try PostgresRows.event(row)) }
            guard let newest = page.last else { break }
            try archive.add(page)
            (last, written) = (newest.id, written + page.count)
            progress?(written)
        }
        try archive.add(try await PostgresPurgeRecord.read(on: connection, logger: logger))
    }
}

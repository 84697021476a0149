import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// Copies a chat record from SQLite into an empty PostgreSQL database: sessions and events with
/// their ids (rooms by name), the accounts book (accounts, invites, sanctions) and retention's
/// record (purges, purged counts and people), in one transaction, so the copy is whole or absent;
/// then checks that the database holds as many of each as were read, and the purge record as read.
/// The search index is made by the database, not copied.
public enum PostgresImport {
    /// What was copied.
    public struct Report: Sendable, Equatable {
        public var sessions: Int
        public var events: Int
        public var rooms: Int
        public var lastEventID: Int64
        public var accounts = 0
        public var invites = 0
        public var sanctions = 0
        /// Retention's record: its purges, and the events they purged.
        public var purges = 0
        public var purgedEvents = 0
    }

    /// Events read from SQLite and written in one `INSERT`.
    static let pageSize = 1000

    /// Copies everything `source` holds into `address`, which must hold no chat record yet
    /// (`.invalidArgument` otherwise); `progress` is told the events copied so far.
    public static func copy(
        from source: EventReader, to address: PostgresAddress, logger: Logger = Logger(label: "chat.store.postgres"),
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws(StoreError) -> Report {
        _ = try await PostgresEventStore(address: address, logger: logger)  // migrates
        let (sessions, roomNames, book) = (try source.sessions(), try source.roomNames(), try source.accountsBookRows())
        let purged = try source.purgeRecordRows()
        return try await PostgresLink.once(address, role: "import", logger: logger, "copying the record") {
            connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await refuseNonEmpty(connection, address: address, logger: logger)
                for session in sessions { try await insert(session, on: connection, logger: logger) }
                // In the source's order first, so rooms list as they did; then the private messages' ''.
                var rooms = try await roomIDs(for: roomNames, known: [:], on: connection, logger: logger)
                var (copied, last, lastTime) = (0, Int64(0), Int64(0))
                while true {
                    let page = try source.events(EventFilter(afterID: last, limit: pageSize, includePrivate: true))
                    guard let newest = page.last else { break }
                    rooms = try await roomIDs(for: page.map(\.room), known: rooms, on: connection, logger: logger)
                    try await connection.query(PostgresBatchCommit.insert(page, rooms: rooms), logger: logger)
                    (copied, last, lastTime) = (copied + page.count, newest.id, max(lastTime, newest.timeMillis))
                    progress?(copied)
                }
                try await connection.query(
                    "UPDATE event_counter SET last_id = \(last), last_time_ms = \(lastTime)", logger: logger)
                try await connection.query(
                    "SELECT setval('sessions_id_seq', greatest((SELECT max(id) FROM sessions), 1))", logger: logger)
                try await PostgresAccountImport.insert(book, on: connection, logger: logger)
                // A room all of whose events were purged is named by its purged counts only.
                rooms = try await roomIDs(for: purged.counts.map(\.room), known: rooms, on: connection, logger: logger)
                try await PostgresPurgeRecord.insert(purged, rooms: rooms, on: connection, logger: logger)
                let report = Report(
                    sessions: sessions.count, events: copied, rooms: rooms.keys.filter { !$0.isEmpty }.count,
                    lastEventID: last, accounts: book.accounts.count, invites: book.invites.count,
                    sanctions: book.sanctions.count, purges: purged.purges.count, purgedEvents: purged.events)
                try await verify(report, on: connection, address: address, logger: logger)
                try await verify(purged, on: connection, address: address, logger: logger)
                return report
            }
        }
    }

    private static func refuseNonEmpty(
        _ connection: PostgresConnection, address: PostgresAddress, logger: Logger
    ) async throws {
        let rows = try await connection.query(
            """
            SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sessions), (SELECT count(*) FROM accounts)
            FROM event_counter FOR UPDATE
            """,
            logger: logger
        ).collect()
        guard let row = rows.first else { return }
        let (events, sessions, accounts) = try row.decode((Int64, Int64, Int64).self)
        guard events == 0 && sessions == 0 && accounts == 0 else {
            throw StoreError(
                .invalidArgument, path: address.description,
                message:
                    "the database already holds a chat record (\(events) events, \(sessions) sessions, \(accounts) accounts); migrate only into an empty one"
            )
        }
    }

    private static func insert(_ session: Session, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO sessions (id, started_ms, ended_ms, state, host, port, version)
            VALUES (\(session.id), \(session.startedMillis), \(session.endedMillis), \(session.state.rawValue),
                    \(session.host), \(Int32(clamping: session.port)), \(session.version))
            """, logger: logger)
    }

    private static func roomIDs(
        for names: [String], known: [String: Int64], on connection: PostgresConnection, logger: Logger
    ) async throws -> [String: Int64] {
        var rooms = known
        for name in names where rooms[name] == nil {
            let rows = try await connection.query(
                "INSERT INTO rooms (name) VALUES (\(name)) RETURNING id", logger: logger
            ).collect()
            rooms[name] = try rows.first?.decode(Int64.self)
        }
        return rooms
    }

    /// The copy holds what was read: as many events and sessions, and the same last id.
    private static func verify(
        _ report: Report, on connection: PostgresConnection, address: PostgresAddress, logger: Logger
    ) async throws {
        let rows = try await connection.query(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sessions), (SELECT coalesce(max(id), 0) FROM events)",
            logger: logger
        ).collect()
        let counts = try rows.first?.decode((Int64, Int64, Int64).self, context: .default)
        let (events, sessions, last) = counts ?? (0, 0, 0)
        guard events == report.events, sessions == report.sessions, last == report.lastEventID else {
            throw StoreError(
                .corrupt, path: address.description,
                message:
                    "the copy does not match: \(events) events, \(sessions) sessions, last id \(last) written; "
                    + "\(report.events), \(report.sessions), \(report.lastEventID) read; nothing was kept")
        }
    }

    /// The copy holds retention's record as read, row for row.
    private static func verify(
        _ record: PurgeRecordRows, on connection: PostgresConnection, address: PostgresAddress, logger: Logger
    ) async throws {
        let written = try await PostgresPurgeRecord.read(on: connection, logger: logger)
        guard written != record else { return }
        throw StoreError(
            .corrupt, path: address.description,
            message:
                "the purge record's copy does not match: \(written.purges.count) purges, \(written.counts.count) "
                + "purged counts, \(written.users.count) purged people written; \(record.purges.count), "
                + "\(record.counts.count), \(record.users.count) read; nothing was kept")
    }
}

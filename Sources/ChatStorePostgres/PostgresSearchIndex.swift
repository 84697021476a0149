import Logging
import PostgresNIO

/// The index that lets search find words without reading every message: a GIN index of
/// trigrams (PostgreSQL's `pg_trgm` extension, in Debian's `postgresql` package; a trusted
/// extension, so the database's owner may create it) on the lowered text of messages, actions and
/// notices, which `PostgresEventReader.search`'s `LIKE` conditions use. Made when a store opens
/// and the index is missing; where the extension cannot be had, search still works, reading every
/// message of its scope, and the log says so once.
enum PostgresSearchIndex {
    static let name = "events_text_trigrams"

    /// Makes the index unless it exists (one node at a time, under the migrations' lock); true
    /// when it is there afterwards.
    @discardableResult
    static func ensure(_ connection: PostgresConnection, logger: Logger) async -> Bool {
        do {
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
                guard try await !exists(connection, logger: logger) else { return }
                try await connection.query("CREATE EXTENSION IF NOT EXISTS pg_trgm", logger: logger)
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            CREATE INDEX \(name) ON events USING gin (lower(text) gin_trgm_ops)
                            WHERE kind IN ('message', 'action', 'notice')
                            """), logger: logger)
            }
            return true
        } catch {
            logger.warning(
                """
                search reads every message: no trigram index (\(String(reflecting: error))); as a \
                superuser, CREATE EXTENSION pg_trgm in this database and restart a node to make it
                """)
            return false
        }
    }

    static func exists(_ connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await connection.query(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = \(name)",
            logger: logger
        ).collect().first?.decode(Int64.self) == 1
    }
}

import ChatStore
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema, versioned like the SQLite one (`ChatStore/Schema.swift`): each step is
/// one transaction that also moves `schema_version` up by one. Nodes opening one database at
/// once migrate it one after the other (an advisory lock); a newer schema is refused.
enum PostgresSchema {
    static let migrations: [String] = [
        // 1: sessions, rooms, events as in SQLite schemas 1–3 and 6 (client_tags), and the counter
        // row that gives event ids in commit order (docs/SCALING.md).
        """
        CREATE TABLE sessions (
            id          BIGSERIAL PRIMARY KEY,
            started_ms  BIGINT NOT NULL,
            ended_ms    BIGINT,
            state       TEXT NOT NULL CHECK (state IN ('running', 'clean', 'unclean')),
            host        TEXT NOT NULL,
            port        INTEGER NOT NULL,
            version     TEXT NOT NULL
        );
        CREATE TABLE rooms (
            id    BIGSERIAL PRIMARY KEY,
            name  TEXT NOT NULL UNIQUE
        );
        CREATE TABLE event_counter (
            only_row      BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
            last_id       BIGINT NOT NULL,
            last_time_ms  BIGINT NOT NULL
        );
        INSERT INTO event_counter (last_id, last_time_ms) VALUES (0, 0);
        CREATE TABLE events (
            id           BIGINT PRIMARY KEY,
            session_id   BIGINT NOT NULL REFERENCES sessions(id),
            room_id      BIGINT NOT NULL REFERENCES rooms(id),
            kind         TEXT NOT NULL,
            "user"       TEXT NOT NULL,
            text         TEXT NOT NULL DEFAULT '',
            time_ms      BIGINT NOT NULL,
            connection   BIGINT,
            reason       TEXT,
            recipient    TEXT,
            target       TEXT,
            client_tags  TEXT
        );
        CREATE INDEX events_by_room ON events(room_id, id);
        CREATE INDEX events_by_session ON events(session_id, id);
        CREATE INDEX events_by_time ON events(time_ms);
        CREATE INDEX events_private_to ON events(recipient, id) WHERE recipient IS NOT NULL;
        CREATE INDEX events_private_from ON events("user", id) WHERE recipient IS NOT NULL;
        CREATE INDEX events_topics ON events(room_id, id) WHERE kind = 'topic';
        """,
        // 2: membership across nodes (PostgresPresence, docs/SCALING.md): each node's heartbeat
        // (the database's clock), the names present on every node by `NameRules.skeleton`, and
        // who is in which room.
        PostgresPresenceSchema.migration,
        // 3: the accounts book: accounts, invites, sanctions (PostgresAccountBook).
        PostgresAccountSchema.migration,
        // 4: retention's record (`PostgresPurge`), as SQLite's (schema 4): every purge, and what
        // purged events counted for their session and room.
        PostgresPurge.schema,
    ]

    static var version: Int { migrations.count }

    /// An arbitrary key for `pg_advisory_xact_lock`: the schema's migrations, one node at a time.
    static let migrationLock: Int64 = 0x63_68_61_74_72_6F_6F_6D  // "chatroom"

    /// Brings the database up to `version`; refuses a newer one and one that holds other tables.
    static func migrate(_ connection: PostgresConnection, address: PostgresAddress, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", logger: logger)
            var found = try await version(connection, logger: logger)
            if found == nil {
                let tables =
                    try await connection.query(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_version'",
                        logger: logger
                    ).collect().first?.decode(Int64.self) ?? 0
                guard tables == 0 else {
                    throw StoreError(
                        .notADatabase, path: address.description,
                        message: "not a chat database: it holds tables of another program; give another database")
                }
                try await connection.query("INSERT INTO schema_version VALUES (0)", logger: logger)
                found = 0
            }
            let current = found ?? 0
            guard current <= version else {
                throw StoreError(
                    .newerSchema(found: current, supported: version), path: address.description,
                    message:
                        "database schema version \(current) is newer than this chatroom supports (\(version)); use a newer chatroom"
                )
            }
            for step in current..<version {
                // One statement per query: the extended protocol takes no more.
                for statement in statements(migrations[step]) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("UPDATE schema_version SET version = \(step + 1)", logger: logger)
            }
        }
    }

    /// A migration's statements (no migration has a `;` inside a literal).
    static func statements(_ migration: String) -> [String] {
        migration.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter {
            !$0.isEmpty
        }
    }

    private static func version(_ connection: PostgresConnection, logger: Logger) async throws -> Int? {
        let rows = try await connection.query("SELECT version FROM schema_version", logger: logger).collect()
        return try rows.first.map { Int(try $0.decode(Int32.self)) }
    }
}

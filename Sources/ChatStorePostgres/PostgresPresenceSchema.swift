/// The tables of membership across nodes (schema step 2 of `PostgresSchema`).
///
/// - `sessions.heartbeat_ms`: when the node of a `running` session last said it is alive, in
///   the database server's clock (nodes' clocks may differ); NULL for a node that runs no
///   `PostgresPresence`, which is never reaped.
/// - `present_names`: one row per name present anywhere, keyed by its `NameRules.skeleton`, so
///   the primary key makes a claim atomic across nodes; each connection holds at most one name.
/// - `room_members`: who is in which room; a row goes with its name's row (`ON DELETE CASCADE`),
///   and `seq` keeps the order in which a member entered its rooms.
enum PostgresPresenceSchema {
    static let migration = """
        ALTER TABLE sessions ADD COLUMN heartbeat_ms BIGINT;
        CREATE INDEX sessions_running ON sessions(heartbeat_ms) WHERE state = 'running';
        CREATE TABLE present_names (
            name_key    TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            session_id  BIGINT NOT NULL REFERENCES sessions(id),
            connection  BIGINT NOT NULL,
            since_ms    BIGINT NOT NULL,
            UNIQUE (session_id, connection)
        );
        CREATE TABLE room_members (
            seq         BIGSERIAL PRIMARY KEY,
            room_key    TEXT NOT NULL,
            room        TEXT NOT NULL,
            session_id  BIGINT NOT NULL,
            connection  BIGINT NOT NULL,
            UNIQUE (room_key, session_id, connection),
            FOREIGN KEY (session_id, connection) REFERENCES present_names (session_id, connection) ON DELETE CASCADE
        );
        CREATE INDEX room_members_of_connection ON room_members(session_id, connection)
        """

    /// The database server's clock in milliseconds since 1970 (the time of the statement, not of
    /// its transaction): heartbeats and the reap's bound use this one clock.
    static let now = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
}

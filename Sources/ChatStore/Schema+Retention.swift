extension Schema {
    /// Retention (issue #17): the record of every purge, and what purged events counted for their
    /// session and room, so a session whose events are gone keeps its counts.
    static let retention = """
        CREATE TABLE purges (
            id         INTEGER PRIMARY KEY,
            time_ms    INTEGER NOT NULL,
            by         TEXT NOT NULL,
            room       TEXT NOT NULL,
            cutoff_ms  INTEGER NOT NULL,
            events     INTEGER NOT NULL,
            first_id   INTEGER NOT NULL,
            last_id    INTEGER NOT NULL
        );
        CREATE TABLE purged_counts (
            session_id  INTEGER NOT NULL REFERENCES sessions(id),
            room_id     INTEGER NOT NULL REFERENCES rooms(id),
            kind        TEXT NOT NULL,
            events      INTEGER NOT NULL,
            PRIMARY KEY (session_id, room_id, kind)
        ) WITHOUT ROWID;
        CREATE TABLE purged_users (
            session_id  INTEGER NOT NULL REFERENCES sessions(id),
            user        TEXT NOT NULL,
            PRIMARY KEY (session_id, user)
        ) WITHOUT ROWID;
        """
}

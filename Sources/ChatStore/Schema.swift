/// The versioned schema. Each migration moves `PRAGMA user_version` up by one; a database whose
/// version is above `Schema.version` comes from a newer chatroom and is refused.
enum Schema {
    static let migrations: [String] = [
        // 1: sessions, rooms, events (the first release).
        """
        CREATE TABLE sessions (
            id          INTEGER PRIMARY KEY,
            started_ms  INTEGER NOT NULL,
            ended_ms    INTEGER,
            state       TEXT NOT NULL CHECK (state IN ('running', 'clean', 'unclean')),
            host        TEXT NOT NULL,
            port        INTEGER NOT NULL,
            version     TEXT NOT NULL
        );
        CREATE TABLE rooms (
            id    INTEGER PRIMARY KEY,
            name  TEXT NOT NULL UNIQUE
        );
        CREATE TABLE events (
            id          INTEGER PRIMARY KEY,
            session_id  INTEGER NOT NULL REFERENCES sessions(id),
            room_id     INTEGER NOT NULL REFERENCES rooms(id),
            kind        TEXT NOT NULL,
            user        TEXT NOT NULL,
            text        TEXT NOT NULL DEFAULT '',
            time_ms     INTEGER NOT NULL,
            connection  INTEGER,
            reason      TEXT
        );
        CREATE INDEX events_by_room ON events(room_id, id);
        CREATE INDEX events_by_session ON events(session_id, id);
        CREATE INDEX events_by_time ON events(time_ms);
        CREATE VIEW event_log AS
            SELECT e.id, s.id AS session, r.name AS room, e.kind, e.user, e.text,
                   strftime('%Y-%m-%dT%H:%M:%fZ', e.time_ms / 1000.0, 'unixepoch') AS time,
                   e.connection, e.reason
            FROM events e JOIN rooms r ON r.id = e.room_id JOIN sessions s ON s.id = e.session_id;
        """,
        // 2: private messages (a recipient; their room is the one named ''), topics and renames
        // (new kinds, no new columns). Old rows keep a NULL recipient: nothing is rewritten.
        """
        ALTER TABLE events ADD COLUMN recipient TEXT;
        CREATE INDEX events_private_to ON events(recipient, id) WHERE recipient IS NOT NULL;
        CREATE INDEX events_private_from ON events(user, id) WHERE recipient IS NOT NULL;
        CREATE INDEX events_topics ON events(room_id, id) WHERE kind = 'topic';
        DROP VIEW event_log;
        CREATE VIEW event_log AS
            SELECT e.id, s.id AS session, nullif(r.name, '') AS room, e.kind, e.user, e.text,
                   strftime('%Y-%m-%dT%H:%M:%fZ', e.time_ms / 1000.0, 'unixepoch') AS time,
                   e.connection, e.reason, e.recipient
            FROM events e JOIN rooms r ON r.id = e.room_id JOIN sessions s ON s.id = e.session_id;
        """,
        // 3: accounts, invites and sanctions (registered names, operators, bans and mutes), and the
        // target of moderation events (kick, ban, unban, mute, unmute). Old rows keep a NULL target.
        """
        ALTER TABLE events ADD COLUMN target TEXT;
        DROP VIEW event_log;
        CREATE VIEW event_log AS
            SELECT e.id, s.id AS session, nullif(r.name, '') AS room, e.kind, e.user, e.text,
                   strftime('%Y-%m-%dT%H:%M:%fZ', e.time_ms / 1000.0, 'unixepoch') AS time,
                   e.connection, e.reason, e.recipient, e.target
            FROM events e JOIN rooms r ON r.id = e.room_id JOIN sessions s ON s.id = e.session_id;
        CREATE TABLE accounts (
            name           TEXT NOT NULL,
            skeleton       TEXT PRIMARY KEY,
            password_hash  TEXT NOT NULL,
            role           TEXT NOT NULL CHECK (role IN ('member', 'operator')),
            created_ms     INTEGER NOT NULL,
            last_login_ms  INTEGER
        );
        CREATE TABLE invites (
            token_hash  TEXT PRIMARY KEY,
            uses_left   INTEGER NOT NULL,
            expires_ms  INTEGER,
            created_ms  INTEGER NOT NULL
        );
        CREATE TABLE sanctions (
            id             INTEGER PRIMARY KEY,
            kind           TEXT NOT NULL CHECK (kind IN ('ban', 'mute')),
            name_skeleton  TEXT,
            address        TEXT,
            until_ms       INTEGER,
            reason         TEXT NOT NULL DEFAULT '',
            by             TEXT NOT NULL,
            created_ms     INTEGER NOT NULL
        );
        CREATE INDEX sanctions_by_name ON sanctions(name_skeleton) WHERE name_skeleton IS NOT NULL;
        CREATE INDEX sanctions_by_address ON sanctions(address) WHERE address IS NOT NULL;
        """,
        retention,  // 4: purges, purged_counts, purged_users (Schema+Retention.swift)
        // 5: full-text search over messages, actions and notices (Schema+Search.swift).
        search,
        // 6: IRCv3 client-only tags sent with a message, a notice or a tags-only message
        // (`tag_message`, IRC's TAGMSG), in wire form. Old rows keep a NULL: nothing is rewritten.
        """
        ALTER TABLE events ADD COLUMN client_tags TEXT;
        DROP VIEW event_log;
        CREATE VIEW event_log AS
            SELECT e.id, s.id AS session, nullif(r.name, '') AS room, e.kind, e.user, e.text,
                   strftime('%Y-%m-%dT%H:%M:%fZ', e.time_ms / 1000.0, 'unixepoch') AS time,
                   e.connection, e.reason, e.recipient, e.target, e.client_tags
            FROM events e JOIN rooms r ON r.id = e.room_id JOIN sessions s ON s.id = e.session_id;
        """,
    ]

    static var version: Int { migrations.count }

    /// The database's schema version; an error when a newer chatroom wrote it.
    static func versionNotNewer(_ db: Database) throws(StoreError) -> Int {
        let found = Int(try db.integer("PRAGMA user_version"))
        guard found <= version else {
            throw StoreError(
                .newerSchema(found: found, supported: version), path: db.path,
                message:
                    "database schema version \(found) is newer than this chatroom supports (\(version)); use a newer chatroom"
            )
        }
        return found
    }

    /// Brings the database up to `version`, one transaction per step.
    /// Refuses a database that another program made (tables, but no chatroom schema).
    static func migrate(_ db: Database) throws(StoreError) {
        let found = try versionNotNewer(db)
        if found == 0, try db.integer("SELECT count(*) FROM sqlite_master") > 0 {
            throw StoreError(
                .notADatabase, path: db.path,
                message: "not a chat database: it holds tables of another program; give another file")
        }
        for step in found..<version {
            try db.transaction { () throws(StoreError) in
                try db.execute(migrations[step])
                try db.execute("PRAGMA user_version = \(step + 1)")
            }
        }
    }

    /// Checks that a database opened read-only is one of ours and not from the future.
    static func check(_ db: Database) throws(StoreError) {
        let found = try versionNotNewer(db)
        if found == 0 {
            throw StoreError(.notADatabase, path: db.path, message: "not a chat database (no chatroom schema)")
        }
    }
}

/// The accounts book's tables (schema step 3 of `PostgresSchema`), as SQLite's (`Schema` step 3):
/// `accounts` keyed by the name's `NameRules.skeleton`, so two nodes registering look-alike names
/// at once cannot both succeed; `invites` by the token's hash; `sanctions`, bans and mutes.
enum PostgresAccountSchema {
    static let migration = """
        CREATE TABLE accounts (
            name           TEXT NOT NULL,
            skeleton       TEXT PRIMARY KEY,
            password_hash  TEXT NOT NULL,
            role           TEXT NOT NULL CHECK (role IN ('member', 'operator')),
            created_ms     BIGINT NOT NULL,
            last_login_ms  BIGINT
        );
        CREATE TABLE invites (
            token_hash  TEXT PRIMARY KEY,
            uses_left   BIGINT NOT NULL,
            expires_ms  BIGINT,
            created_ms  BIGINT NOT NULL
        );
        CREATE TABLE sanctions (
            id             BIGSERIAL PRIMARY KEY,
            kind           TEXT NOT NULL CHECK (kind IN ('ban', 'mute')),
            name_skeleton  TEXT,
            address        TEXT,
            until_ms       BIGINT,
            reason         TEXT NOT NULL DEFAULT '',
            "by"           TEXT NOT NULL,
            created_ms     BIGINT NOT NULL
        );
        CREATE INDEX sanctions_by_name ON sanctions(name_skeleton) WHERE name_skeleton IS NOT NULL;
        CREATE INDEX sanctions_by_address ON sanctions(address) WHERE address IS NOT NULL
        """
}

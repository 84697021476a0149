import ChatStore
import Logging
import PostgresNIO

/// The accounts book's part of a migration (`PostgresImport`): its rows inserted as they are, in
/// the import's transaction, sanctions with their ids (the sequence moved past them).
enum PostgresAccountImport {
    static func insert(_ book: AccountsBookRows, on connection: PostgresConnection, logger: Logger) async throws {
        for account in book.accounts {
            try await connection.query(
                """
                INSERT INTO accounts (name, skeleton, password_hash, role, created_ms, last_login_ms)
                VALUES (\(account.name), \(account.skeleton), \(account.passwordHash), \(account.role.rawValue),
                        \(account.createdMillis), \(account.lastLoginMillis))
                """, logger: logger)
        }
        for invite in book.invites {
            try await connection.query(
                """
                INSERT INTO invites (token_hash, uses_left, expires_ms, created_ms)
                VALUES (\(invite.tokenHash), \(invite.usesLeft), \(invite.expiresMillis), \(invite.createdMillis))
                """, logger: logger)
        }
        for sanction in book.sanctions {
            try await connection.query(
                """
                INSERT INTO sanctions (id, kind, name_skeleton, address, until_ms, reason, "by", created_ms)
                VALUES (\(sanction.id), \(sanction.kind.rawValue), \(sanction.nameSkeleton), \(sanction.address),
                        \(sanction.untilMillis), \(sanction.reason), \(sanction.by), \(sanction.createdMillis))
                """, logger: logger)
        }
        try await connection.query(
            "SELECT setval('sanctions_id_seq', greatest((SELECT max(id) FROM sanctions), 1))", logger: logger)
    }
}

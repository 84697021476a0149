import ChatModel

/// An invite as stored: its token's hash (never the token), uses left, end.
public struct Invite: Sendable, Equatable {
    public var tokenHash: String
    public var usesLeft: Int64
    /// Nil: no end.
    public var expiresMillis: Int64?
    public var createdMillis: Int64

    public init(tokenHash: String, usesLeft: Int64, expiresMillis: Int64?, createdMillis: Int64) {
        self.tokenHash = tokenHash
        self.usesLeft = usesLeft
        self.expiresMillis = expiresMillis
        self.createdMillis = createdMillis
    }
}

/// Every row of an accounts book, as a migration copies them.
public struct AccountsBookRows: Sendable, Equatable {
    public var accounts: [Account] = []
    public var invites: [Invite] = []
    /// Lifted and ended ones too, by id.
    public var sanctions: [Sanction] = []

    public init(accounts: [Account] = [], invites: [Invite] = [], sanctions: [Sanction] = []) {
        self.accounts = accounts
        self.invites = invites
        self.sanctions = sanctions
    }
}

extension EventReader {
    /// Every account, invite and sanction of the file (none before schema 3, which has no book).
    public func accountsBookRows() throws(StoreError) -> AccountsBookRows {
        let tables = try database.integer(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'accounts'")
        guard tables > 0 else { return AccountsBookRows() }
        var rows = AccountsBookRows()
        let accounts = try database.prepare(
            "SELECT name, skeleton, password_hash, role, created_ms, last_login_ms FROM accounts ORDER BY skeleton")
        while try accounts.step() {
            rows.accounts.append(
                Account(
                    name: accounts.string(0), skeleton: accounts.string(1), passwordHash: accounts.string(2),
                    role: AccountRole(rawValue: accounts.string(3)) ?? .member, createdMillis: accounts.int64(4),
                    lastLoginMillis: accounts.optionalInt64(5)))
        }
        let invites = try database.prepare(
            "SELECT token_hash, uses_left, expires_ms, created_ms FROM invites ORDER BY token_hash")
        while try invites.step() {
            rows.invites.append(
                Invite(
                    tokenHash: invites.string(0), usesLeft: invites.int64(1), expiresMillis: invites.optionalInt64(2),
                    createdMillis: invites.int64(3)))
        }
        let sanctions = try database.prepare(
            "SELECT id, kind, name_skeleton, address, until_ms, reason, by, created_ms FROM sanctions ORDER BY id")
        while try sanctions.step() {
            rows.sanctions.append(
                Sanction(
                    id: sanctions.int64(0), kind: Sanction.Kind(rawValue: sanctions.string(1)) ?? .ban,
                    nameSkeleton: sanctions.optionalString(2), address: sanctions.optionalString(3),
                    untilMillis: sanctions.optionalInt64(4), reason: sanctions.string(5), by: sanctions.string(6),
                    createdMillis: sanctions.int64(7)))
        }
        return rows
    }
}

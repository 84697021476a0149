import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// The accounts book in a PostgreSQL database that several nodes share (`AccountsBook`): each
/// call is one statement on the book's own connection, waited for on the calling thread, which
/// must be one that may block (see `AccountsBook`). A new account is a DB row at once, so every
/// node sees it at the next login; the skeleton key and single-statement updates keep
/// registrations and invite redemptions right when nodes race.
public final class PostgresAccountBook: AccountsBook {
    public let address: PostgresAddress
    private let link: PostgresLink

    /// Connects to `address` and brings its schema up to date (as `PostgresEventStore` does).
    public init(address: PostgresAddress, logger: Logger = Logger(label: "chat.store.postgres"))
        async throws(StoreError)
    {
        _ = try await PostgresEventStore(address: address, logger: logger)  // migrates
        self.address = address
        link = PostgresLink(address: address, role: "accounts", logger: logger)
    }

    /// `init(address:logger:)`, blocking: for a command's main thread or a thread pool's.
    public static func open(
        address: PostgresAddress, logger: Logger = Logger(label: "chat.store.postgres")
    ) throws(StoreError) -> PostgresAccountBook {
        try BlockingWait.run { () async throws(StoreError) in
            try await PostgresAccountBook(address: address, logger: logger)
        }
    }

    public func close() {
        let link = link
        try? BlockingWait.run { () async throws(StoreError) in await link.drop() }
    }

    // MARK: Accounts

    private static let accountColumns =
        "SELECT name, skeleton, password_hash, role, created_ms, last_login_ms FROM accounts"

    public func account(skeleton: String) throws(StoreError) -> Account? {
        try rows("reading an account", "\(unescaped: Self.accountColumns) WHERE skeleton = \(skeleton)") {
            try Self.account($0)
        }.first
    }

    public func accounts() throws(StoreError) -> [Account] {
        try rows("listing accounts", "\(unescaped: Self.accountColumns) ORDER BY lower(name), name") {
            try Self.account($0)
        }
    }

    public func add(_ account: Account) throws(StoreError) {
        let added = try rows(
            "adding an account",
            """
            INSERT INTO accounts (name, skeleton, password_hash, role, created_ms, last_login_ms)
            VALUES (\(account.name), \(account.skeleton), \(account.passwordHash), \(account.role.rawValue),
                    \(account.createdMillis), \(account.lastLoginMillis))
            ON CONFLICT (skeleton) DO NOTHING RETURNING 1
            """
        ) { _ in true }
        guard added.isEmpty else { return }
        let existing = try self.account(skeleton: account.skeleton)?.name ?? account.name
        throw StoreError.alreadyRegistered(account.name, as: existing, path: address.description)
    }

    @discardableResult
    public func setPasswordHash(_ hash: String, skeleton: String) throws(StoreError) -> Bool {
        try changes(
            "setting a password", "UPDATE accounts SET password_hash = \(hash) WHERE skeleton = \(skeleton) RETURNING 1"
        ) > 0
    }

    @discardableResult
    public func setRole(_ role: AccountRole, skeleton: String) throws(StoreError) -> Bool {
        try changes(
            "setting a role", "UPDATE accounts SET role = \(role.rawValue) WHERE skeleton = \(skeleton) RETURNING 1")
            > 0
    }

    @discardableResult
    public func remove(skeleton: String) throws(StoreError) -> Bool {
        try changes("removing an account", "DELETE FROM accounts WHERE skeleton = \(skeleton) RETURNING 1") > 0
    }

    public func noteLogin(skeleton: String, atMillis: Int64) throws(StoreError) {
        _ = try changes(
            "noting a login", "UPDATE accounts SET last_login_ms = \(atMillis) WHERE skeleton = \(skeleton) RETURNING 1"
        )
    }

    // MARK: Invites

    public func addInvite(tokenHash: String, uses: Int, expiresMillis: Int64?, createdMillis: Int64) throws(StoreError)
    {
        guard uses > 0 else {
            throw StoreError(.invalidArgument, path: address.description, message: "an invite needs at least one use")
        }
        _ = try changes(
            "adding an invite",
            """
            INSERT INTO invites (token_hash, uses_left, expires_ms, created_ms)
            VALUES (\(tokenHash), \(Int64(uses)), \(expiresMillis), \(createdMillis)) RETURNING 1
            """)
    }

    /// One `UPDATE`: a second node taking the last use at once waits for the first one's row lock,
    /// then finds `uses_left` at 0 and takes nothing.
    public func redeemInvite(tokenHash: String, atMillis: Int64) throws(StoreError) -> Bool {
        try changes(
            "redeeming an invite",
            """
            UPDATE invites SET uses_left = uses_left - 1
            WHERE token_hash = \(tokenHash) AND uses_left > 0 AND (expires_ms IS NULL OR expires_ms > \(atMillis))
            RETURNING 1
            """) > 0
    }

    // MARK: Sanctions

    public func add(_ sanction: Sanction) throws(StoreError) -> Sanction {
        if let problem = sanction.problem {
            throw StoreError(.invalidArgument, path: address.description, message: problem)
        }
        let ids = try rows(
            "recording a sanction",
            """
            INSERT INTO sanctions (kind, name_skeleton, address, until_ms, reason, "by", created_ms)
            VALUES (\(sanction.kind.rawValue), \(sanction.nameSkeleton), \(sanction.address), \(sanction.untilMillis),
                    \(sanction.reason), \(sanction.by), \(sanction.createdMillis))
            RETURNING id
            """
        ) { try $0.decode(Int64.self) }
        var stored = sanction
        stored.id = ids.first ?? 0
        return stored
    }

    @discardableResult
    public func lift(
        _ kind: Sanction.Kind, nameSkeleton: String?, address: String?, atMillis: Int64
    ) throws(StoreError) -> Int {
        guard nameSkeleton != nil || address != nil else { return 0 }
        return try changes(
            "lifting a sanction",
            """
            UPDATE sanctions SET until_ms = \(atMillis)
            WHERE kind = \(kind.rawValue) AND (until_ms IS NULL OR until_ms > \(atMillis))
                AND (name_skeleton = \(nameSkeleton) OR address = \(address))
            RETURNING 1
            """)
    }

    public func sanctions(activeAtMillis now: Int64) throws(StoreError) -> [Sanction] {
        try rows(
            "reading sanctions",
            """
            SELECT id, kind, name_skeleton, address, until_ms, reason, "by", created_ms FROM sanctions
            WHERE until_ms IS NULL OR until_ms > \(now) ORDER BY id
            """
        ) { row in
            let (id, kind, skeleton, address, until, reason, by, created) = try row.decode(
                (Int64, String, String?, String?, Int64?, String, String, Int64).self)
            return Sanction(
                id: id, kind: Sanction.Kind(rawValue: kind) ?? .ban, nameSkeleton: skeleton, address: address,
                untilMillis: until, reason: reason, by: by, createdMillis: created)
        }
    }

    // MARK: Helpers

    /// Runs `query` and turns each row into a `T`, blocking until done.
    private func rows<T: Sendable>(
        _ what: String, _ query: PostgresQuery, _ transform: @escaping @Sendable (PostgresRow) throws -> T
    ) throws(StoreError) -> [T] {
        let link = link
        return try BlockingWait.run { () async throws(StoreError) in
            try await link.run(what) { connection in
                try await connection.query(query, logger: link.logger).collect().map(transform)
            }
        }
    }

    /// How many rows `query` (an `UPDATE`/`INSERT`/`DELETE ... RETURNING 1`) changed.
    private func changes(_ what: String, _ query: PostgresQuery) throws(StoreError) -> Int {
        try rows(what, query) { _ in true }.count
    }

    private static func account(_ row: PostgresRow) throws -> Account {
        let (name, skeleton, hash, role, created, lastLogin) = try row.decode(
            (String, String, String, String, Int64, Int64?).self)
        return Account(
            name: name, skeleton: skeleton, passwordHash: hash, role: AccountRole(rawValue: role) ?? .member,
            createdMillis: created, lastLoginMillis: lastLogin)
    }
}

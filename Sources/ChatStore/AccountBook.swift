import ChatModel
import Foundation

/// A registered name: who may use it, with what password, and what they may do.
public struct Account: Sendable, Equatable {
    /// The name as registered (cleaned as the server cleans a typed name).
    public var name: String
    /// `NameRules.skeleton(name)`: names that look alike share it, so it is the key.
    public var skeleton: String
    /// The password's hash (`PasswordHasher`'s PHC string); never the password.
    public var passwordHash: String
    public var role: AccountRole
    /// When it was registered, ms since 1970 (UTC).
    public var createdMillis: Int64
    /// When it last logged in; nil: never.
    public var lastLoginMillis: Int64?

    public init(
        name: String, skeleton: String, passwordHash: String, role: AccountRole = .member, createdMillis: Int64,
        lastLoginMillis: Int64? = nil
    ) {
        self.name = name
        self.skeleton = skeleton
        self.passwordHash = passwordHash
        self.role = role
        self.createdMillis = createdMillis
        self.lastLoginMillis = lastLoginMillis
    }
}

/// A ban or a mute, on a name (by its skeleton) or, for a ban, on an address.
public struct Sanction: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case ban, mute
    }

    /// Its row id; 0 until stored.
    public var id: Int64
    public var kind: Kind
    /// A name's skeleton (`NameRules.skeleton`), or
    public var nameSkeleton: String?
    /// an IP address (bans only).
    public var address: String?
    /// When it ends, ms since 1970 (UTC); nil: until lifted.
    public var untilMillis: Int64?
    public var reason: String
    /// Who imposed it (an operator's name).
    public var by: String
    public var createdMillis: Int64

    public init(
        id: Int64 = 0, kind: Kind, nameSkeleton: String? = nil, address: String? = nil, untilMillis: Int64? = nil,
        reason: String = "", by: String, createdMillis: Int64
    ) {
        self.id = id
        self.kind = kind
        self.nameSkeleton = nameSkeleton
        self.address = address
        self.untilMillis = untilMillis
        self.reason = reason
        self.by = by
        self.createdMillis = createdMillis
    }

    /// Whether it is in force at that time: not yet ended (an end at exactly that time has ended).
    public func isActive(atMillis now: Int64) -> Bool {
        guard let untilMillis else { return true }
        return untilMillis > now
    }
}

/// Accounts, invites and sanctions of a chat database: its own SQLite connection (not the event
/// writer's), each call one short transaction with a busy timeout, safe from any thread (behind `Locked`),
/// usable while a server runs on the same file (the CLI writes while the server reads).
public final class AccountBook: AccountsBook {
    public let path: String
    /// The connection; nil once closed.
    private let connection: Locked<Database?>

    /// Opens the accounts of the database at `path`. The schema must already be current: if it is not
    /// (a new file, or an older schema), first open and close an EventStore on it to create/migrate it
    /// when no server holds the file, else throw a clear StoreError.
    public init(path: String) throws(StoreError) {
        self.path = path
        if try Self.needsMigration(path) {
            do {
                let store = try EventStore(path: path)
                try store.close()
            } catch {
                guard case .inUse(let pid) = error.kind else { throw error }
                throw StoreError(
                    .inUse(pid: pid), path: path,
                    message: "database schema is older than this chatroom's (version \(Schema.version)) and another "
                        + "chat-server" + (pid.map { " (pid \($0))" } ?? "")
                        + " holds it: stop that server, then try again (this chatroom migrates it)")
            }
        }
        let database = try Database(path: path, readOnly: false)
        let found = try Schema.versionNotNewer(database)
        guard found == Schema.version else {
            throw StoreError(
                .notADatabase, path: path,
                message: "database schema is version \(found), not \(Schema.version): it could not be migrated")
        }
        connection = Locked(database)
    }

    /// True when the file is missing or its schema is older than this chatroom's (an error when newer).
    private static func needsMigration(_ path: String) throws(StoreError) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return true }
        let database = try Database(path: path, readOnly: false)
        return try Schema.versionNotNewer(database) < Schema.version
    }

    /// Closes the connection; later calls throw `.closed`.
    public func close() {
        let database = connection.withLock { $0.take() }
        _ = database
    }

    // MARK: Accounts

    private static let accountColumns =
        "SELECT name, skeleton, password_hash, role, created_ms, last_login_ms FROM accounts"

    public func account(skeleton: String) throws(StoreError) -> Account? {
        try withDatabase { (database) throws(StoreError) in
            let stmt = try database.prepare(Self.accountColumns + " WHERE skeleton = ?")
            stmt.bind(skeleton, at: 1)
            defer { stmt.reset() }
            return try stmt.step() ? Self.account(stmt) : nil
        }
    }

    /// Every account, by name.
    public func accounts() throws(StoreError) -> [Account] {
        try withDatabase { (database) throws(StoreError) in
            let stmt = try database.prepare(Self.accountColumns + " ORDER BY lower(name), name")
            var result: [Account] = []
            while try stmt.step() { result.append(Self.account(stmt)) }
            stmt.reset()
            return result
        }
    }

    /// Registers `account`. Throws a StoreError of kind `.alreadyRegistered` when its skeleton is
    /// taken (the same name, or one that looks the same).
    public func add(_ account: Account) throws(StoreError) {
        try withDatabase { (database) throws(StoreError) in
            try database.transaction { () throws(StoreError) in
                let existing = try database.prepare("SELECT name FROM accounts WHERE skeleton = ?")
                existing.bind(account.skeleton, at: 1)
                if try existing.step() {
                    let name = existing.string(0)
                    existing.reset()
                    throw StoreError.alreadyRegistered(account.name, as: name, path: path)
                }
                existing.reset()
                let insert = try database.prepare(
                    """
                    INSERT INTO accounts (name, skeleton, password_hash, role, created_ms, last_login_ms)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
                insert.bind(account.name, at: 1)
                insert.bind(account.skeleton, at: 2)
                insert.bind(account.passwordHash, at: 3)
                insert.bind(account.role.rawValue, at: 4)
                insert.bind(account.createdMillis, at: 5)
                insert.bind(account.lastLoginMillis, at: 6)
                try insert.step()
            }
        }
    }

    /// Replaces the account's password hash; false when there is no such account.
    @discardableResult
    public func setPasswordHash(_ hash: String, skeleton: String) throws(StoreError) -> Bool {
        try update("UPDATE accounts SET password_hash = ?1 WHERE skeleton = ?2", hash, skeleton) > 0
    }

    /// Sets the account's role; false when there is no such account.
    @discardableResult
    public func setRole(_ role: AccountRole, skeleton: String) throws(StoreError) -> Bool {
        try update("UPDATE accounts SET role = ?1 WHERE skeleton = ?2", role.rawValue, skeleton) > 0
    }

    /// Removes the account; false when there is no such account.
    @discardableResult
    public func remove(skeleton: String) throws(StoreError) -> Bool {
        try update("DELETE FROM accounts WHERE skeleton = ?1", skeleton) > 0
    }

    /// Records a login (nothing when there is no such account).
    public func noteLogin(skeleton: String, atMillis: Int64) throws(StoreError) {
        try withDatabase { (database) throws(StoreError) in
            let stmt = try database.prepare("UPDATE accounts SET last_login_ms = ? WHERE skeleton = ?")
            stmt.bind(atMillis, at: 1)
            stmt.bind(skeleton, at: 2)
            try stmt.step()
        }
    }

    // MARK: Invites

    /// Stores an invite by its token's hash (`InviteToken.hash`), good for `uses` registrations
    /// until `expiresMillis` (nil: no end).
    public func addInvite(tokenHash: String, uses: Int, expiresMillis: Int64?, createdMillis: Int64) throws(StoreError)
    {
        guard uses > 0 else {
            throw StoreError(.invalidArgument, path: path, message: "an invite needs at least one use")
        }
        try withDatabase { (database) throws(StoreError) in
            let stmt = try database.prepare(
                "INSERT INTO invites (token_hash, uses_left, expires_ms, created_ms) VALUES (?, ?, ?, ?)")
            stmt.bind(tokenHash, at: 1)
            stmt.bind(Int64(uses), at: 2)
            stmt.bind(expiresMillis, at: 3)
            stmt.bind(createdMillis, at: 4)
            try stmt.step()
        }
    }

    /// Takes one use of the invite, in one transaction: false when unknown, used up or expired.
    public func redeemInvite(tokenHash: String, atMillis: Int64) throws(StoreError) -> Bool {
        try withDatabase { (database) throws(StoreError) in
            try database.transaction { () throws(StoreError) in
                let stmt = try database.prepare(
                    """
                    UPDATE invites SET uses_left = uses_left - 1
                    WHERE token_hash = ? AND uses_left > 0 AND (expires_ms IS NULL OR expires_ms > ?)
                    """)
                stmt.bind(tokenHash, at: 1)
                stmt.bind(atMillis, at: 2)
                try stmt.step()
                return database.changes > 0
            }
        }
    }

    // MARK: Sanctions

    /// Records `sanction` and returns it with its id (`.invalidArgument` when it has a `problem`).
    public func add(_ sanction: Sanction) throws(StoreError) -> Sanction {
        if let problem = sanction.problem { throw StoreError(.invalidArgument, path: path, message: problem) }
        return try withDatabase { (database) throws(StoreError) in
            let stmt = try database.prepare(
                """
                INSERT INTO sanctions (kind, name_skeleton, address, until_ms, reason, by, created_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            stmt.bind(sanction.kind.rawValue, at: 1)
            stmt.bind(sanction.nameSkeleton, at: 2)
            stmt.bind(sanction.address, at: 3)
            stmt.bind(sanction.untilMillis, at: 4)
            stmt.bind(sanction.reason, at: 5)
            stmt.bind(sanction.by, at: 6)
            stmt.bind(sanction.createdMillis, at: 7)
            try stmt.step()
            var stored = sanction
            stored.id = database.lastInsertedRowID
            return stored
        }
    }

    /// Lifts every active sanction of `kind` on that name skeleton or address (sets until_ms to now); how many.
    @discardableResult
    public func lift(
        _ kind: Sanction.Kind, nameSkeleton: String?, address: String?, atMillis: Int64
    ) throws(StoreError) -> Int {
        guard nameSkeleton != nil || address != nil else { return 0 }
        return try withDatabase { (database) throws(StoreError) in
            let stmt = try database.prepare(
                """
                UPDATE sanctions SET until_ms = ?1
                WHERE kind = ?2 AND (until_ms IS NULL OR until_ms > ?1)
                    AND (name_skeleton = ?3 OR address = ?4)
                """)
            stmt.bind(atMillis, at: 1)
            stmt.bind(kind.rawValue, at: 2)
            stmt.bind(nameSkeleton, at: 3)
            stmt.bind(address, at: 4)
            try stmt.step()
            return database.changes
        }
    }

    /// The sanctions in force at that time, oldest first.
    public func sanctions(activeAtMillis now: Int64) throws(StoreError) -> [Sanction] {
        try withDatabase { (database) throws(StoreError) in
            let stmt = try database.prepare(
                """
                SELECT id, kind, name_skeleton, address, until_ms, reason, by, created_ms FROM sanctions
                WHERE until_ms IS NULL OR until_ms > ? ORDER BY id
                """)
            stmt.bind(now, at: 1)
            var result: [Sanction] = []
            while try stmt.step() {
                result.append(
                    Sanction(
                        id: stmt.int64(0), kind: Sanction.Kind(rawValue: stmt.string(1)) ?? .ban,
                        nameSkeleton: stmt.optionalString(2), address: stmt.optionalString(3),
                        untilMillis: stmt.optionalInt64(4), reason: stmt.string(5), by: stmt.string(6),
                        createdMillis: stmt.int64(7)))
            }
            stmt.reset()
            return result
        }
    }

    // MARK: Helpers

    /// Runs `body` with the connection, under the lock.
    private func withDatabase<T: Sendable>(_ body: (Database) throws(StoreError) -> T) throws(StoreError) -> T {
        try connection.withLock { (database) throws(StoreError) -> T in
            guard let database else {
                throw StoreError(.closed, path: path, message: "the account book is closed")
            }
            return try body(database)
        }
    }

    /// Runs one UPDATE or DELETE with text parameters ?1, ?2, ...; how many rows it changed.
    private func update(_ sql: String, _ values: String...) throws(StoreError) -> Int {
        try withDatabase { (database) throws(StoreError) in
            let stmt = try database.prepare(sql)
            for (offset, value) in values.enumerated() { stmt.bind(value, at: Int32(offset + 1)) }
            try stmt.step()
            return database.changes
        }
    }

    private static func account(_ stmt: Statement) -> Account {
        Account(
            name: stmt.string(0), skeleton: stmt.string(1), passwordHash: stmt.string(2),
            role: AccountRole(rawValue: stmt.string(3)) ?? .member, createdMillis: stmt.int64(4),
            lastLoginMillis: stmt.optionalInt64(5))
    }
}

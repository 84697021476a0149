import ChatModel

/// Accounts, invites and sanctions as the core (`Accounts`) and `chat-server account`/`invite`
/// use them: SQLite's `AccountBook`, or `PostgresAccountBook` for nodes sharing a database.
///
/// Synchronous on purpose: every call blocks its thread until the database has answered. The
/// server makes them only on its password pool (threads of their own, which also run scrypt's
/// 0.1 s hashes) and the CLI on its main thread: never on a NIO event loop nor in a Swift task.
/// SQLite's calls block anyway; PostgreSQL's book waits on that blocking thread for its async
/// round trip (bounded by `PostgresLink.answerTimeout`), which runs on the event loops without
/// holding them. So `Accounts` keeps one code path, and neither backend ever holds an event loop or
/// a thread of the cooperative pool.
public protocol AccountsBook: Sendable {
    /// The account registered under `skeleton` (`NameRules.skeleton`), if any.
    func account(skeleton: String) throws(StoreError) -> Account?
    /// Every account, by name.
    func accounts() throws(StoreError) -> [Account]
    /// Registers `account`; `.alreadyRegistered` when its skeleton is taken, also by another node
    /// at the same time (the skeleton is the table's key).
    func add(_ account: Account) throws(StoreError)
    /// Replaces the account's password hash; false when there is no such account.
    @discardableResult func setPasswordHash(_ hash: String, skeleton: String) throws(StoreError) -> Bool
    /// Sets the account's role; false when there is no such account.
    @discardableResult func setRole(_ role: AccountRole, skeleton: String) throws(StoreError) -> Bool
    /// Removes the account; false when there is no such account.
    @discardableResult func remove(skeleton: String) throws(StoreError) -> Bool
    /// Records a login (nothing when there is no such account).
    func noteLogin(skeleton: String, atMillis: Int64) throws(StoreError)
    /// Stores an invite by its token's hash (`InviteToken.hash`), good for `uses` registrations
    /// until `expiresMillis` (nil: no end).
    func addInvite(tokenHash: String, uses: Int, expiresMillis: Int64?, createdMillis: Int64) throws(StoreError)
    /// Takes one use of the invite atomically (of two takers of the last use, one wins): false
    /// when unknown, used up or expired.
    func redeemInvite(tokenHash: String, atMillis: Int64) throws(StoreError) -> Bool
    /// Records `sanction` (see `Sanction.problem`) and returns it with its id.
    func add(_ sanction: Sanction) throws(StoreError) -> Sanction
    /// Lifts every active sanction of `kind` on that name skeleton or address; how many.
    @discardableResult func lift(
        _ kind: Sanction.Kind, nameSkeleton: String?, address: String?, atMillis: Int64
    ) throws(StoreError) -> Int
    /// The sanctions in force at that time, oldest first.
    func sanctions(activeAtMillis now: Int64) throws(StoreError) -> [Sanction]
    /// Lets go of the database; later calls throw `.closed` (SQLite) or reconnect (PostgreSQL).
    func close()
}

extension Sanction {
    /// Why it cannot be stored, nil when it can: it must name a skeleton or an address, and only a
    /// ban may be on an address.
    public var problem: String? {
        if nameSkeleton == nil && address == nil { return "a sanction needs a name or an address" }
        if kind != .ban && address != nil { return "only a ban can be on an address" }
        return nil
    }
}

extension StoreError {
    /// `name` is taken by the account `existing` (the same name, or one that looks the same).
    public static func alreadyRegistered(_ name: String, as existing: String, path: String) -> StoreError {
        StoreError(
            .alreadyRegistered, path: path,
            message: existing == name
                ? "the name \(name) is already registered"
                : "the name \(name) is already registered (as \(existing), which looks the same)")
    }
}

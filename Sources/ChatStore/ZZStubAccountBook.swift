// TEMPORARY STUB (replaced by the accounts-store branch at merge).
import ChatModel

public struct Account: Sendable, Equatable {
    public var name: String
    public var skeleton: String
    public var passwordHash: String
    public var role: AccountRole
    public var createdMillis: Int64
    public var lastLoginMillis: Int64?
    public init(
        name: String, skeleton: String, passwordHash: String, role: AccountRole, createdMillis: Int64,
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

public struct Sanction: Sendable, Equatable {
    public enum Kind: String, Sendable { case ban, mute }
    public var id: Int64
    public var kind: Kind
    public var nameSkeleton: String?
    public var address: String?
    public var untilMillis: Int64?
    public var reason: String
    public var by: String
    public var createdMillis: Int64
    public func isActive(atMillis: Int64) -> Bool { untilMillis.map { $0 > atMillis } ?? true }
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
}

public final class AccountBook: Sendable {
    struct State {
        var accounts: [String: Account] = [:]
        var invites: [String: (Int, Int64?)] = [:]
        var sanctions: [Sanction] = []
    }
    let state = Locked(State())
    public init(path: String) throws(StoreError) {}
    public func account(skeleton: String) throws(StoreError) -> Account? { state.withLock { $0.accounts[skeleton] } }
    public func accounts() throws(StoreError) -> [Account] { state.withLock { Array($0.accounts.values) } }
    public func add(_ account: Account) throws(StoreError) {
        state.withLock { $0.accounts[account.skeleton] = account }
    }
    public func setPasswordHash(_ hash: String, skeleton: String) throws(StoreError) -> Bool {
        state.withLock { $0.accounts[skeleton]?.passwordHash = hash }
        return true
    }
    public func setRole(_ role: AccountRole, skeleton: String) throws(StoreError) -> Bool {
        state.withLock { $0.accounts[skeleton]?.role = role }
        return true
    }
    public func remove(skeleton: String) throws(StoreError) -> Bool { true }
    public func noteLogin(skeleton: String, atMillis: Int64) throws(StoreError) {}
    public func addInvite(tokenHash: String, uses: Int, expiresMillis: Int64?, createdMillis: Int64) throws(StoreError)
    {
        state.withLock { $0.invites[tokenHash] = (uses, expiresMillis) }
    }
    public func redeemInvite(tokenHash: String, atMillis: Int64) throws(StoreError) -> Bool {
        state.withLock { state in
            guard let (uses, expires) = state.invites[tokenHash], uses > 0, expires.map({ $0 > atMillis }) ?? true
            else { return false }
            state.invites[tokenHash] = (uses - 1, expires)
            return true
        }
    }
    public func add(_ sanction: Sanction) throws(StoreError) -> Sanction {
        state.withLock {
            var s = sanction
            s.id = Int64($0.sanctions.count + 1)
            $0.sanctions.append(s)
            return s
        }
    }
    public func lift(_ kind: Sanction.Kind, nameSkeleton: String?, address: String?, atMillis: Int64) throws(StoreError)
        -> Int
    {
        state.withLock { state in
            var n = 0
            for i in state.sanctions.indices
            where state.sanctions[i].kind == kind && state.sanctions[i].nameSkeleton == nameSkeleton
                && state.sanctions[i].address == address && state.sanctions[i].isActive(atMillis: atMillis)
            {
                state.sanctions[i].untilMillis = atMillis
                n += 1
            }
            return n
        }
    }
    public func sanctions(activeAtMillis: Int64) throws(StoreError) -> [Sanction] {
        state.withLock { $0.sanctions.filter { $0.isActive(atMillis: activeAtMillis) } }
    }
    public func close() {}
}

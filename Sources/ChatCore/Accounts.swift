import ChatModel
import ChatStore

/// Who may register a name.
public enum Registration: String, Sendable, CaseIterable {
    /// Only the operator, with `chat-server account add`.
    case closed
    /// Anyone with an invite token (`chat-server invite create`): `/register PASSWORD TOKEN`.
    case invite
    /// Anyone: `/register PASSWORD`.
    case open
}

/// What a name and a password are worth.
public enum LoginOutcome: Sendable, Equatable {
    /// Not a registered name: joins as a guest.
    case guest
    /// The password is right: joins as `name` (the account's spelling) with `role`.
    case account(name: String, role: AccountRole)
    /// A registered name, and no password: ask for it.
    case passwordNeeded(account: String)
    /// Refused; the person is told why.
    case refused(Failure)
    /// Banned: told, and the connection closes.
    case banned(Failure)
}

/// Registered names, their passwords, bans and mutes, for every door. `login` and `register`
/// block (a database read, and scrypt's 0.1 s and 32 MiB): the server runs them on a small pool of
/// their own, never on an event loop. Bans and mutes are kept in memory too, so the checks on
/// every connect and message do not touch the database; nodes sharing a PostgreSQL book read
/// them again when another node changes them (`reloadSanctions`).
public final class Accounts: Sendable {
    /// The fewest characters a password may have.
    public static let minPasswordLength = 8

    public let registration: Registration
    /// Guests are refused: only registered names may join.
    public let requireAccount: Bool
    /// Passwords are taken over connections that are neither TLS nor loopback.
    public let allowPlaintextPasswords: Bool
    /// Failed logins, backed off per address and per account.
    public let throttle = LoginThrottle()
    private let book: (any AccountsBook)?
    private let hasher: PasswordHasher
    private let sanctions: Locked<[Sanction]>
    /// The skeletons of the names known to be registered (at start, registered since, logged in
    /// since): when the database cannot be read, these are still refused to guests, and other
    /// names are let in as guests, so a broken file does not keep everyone out.
    private let known: Locked<Set<String>>
    /// Registrations per address (not loopback) in the current hour: each costs a password hash,
    /// so one address may not keep the password threads busy with them.
    private let registrations = Locked([String: (count: Int, since: Int64)]())
    /// Registrations one address may make an hour.
    public static let registrationsPerHour = 5
    private let clock: @Sendable () -> Int64

    /// - Parameters:
    ///   - book: the accounts of the database; nil: no accounts (everyone is a guest). Read here:
    ///     call on a thread that may block (see `AccountsBook`).
    ///   - clock: the time in milliseconds since 1970, for bans and mutes.
    public init(
        book: (any AccountsBook)?, hasher: PasswordHasher = .standard, registration: Registration = .closed,
        requireAccount: Bool = false, allowPlaintextPasswords: Bool = false,
        clock: @escaping @Sendable () -> Int64 = currentTimeMillis
    ) throws(StoreError) {
        self.book = book
        self.hasher = hasher
        self.registration = registration
        self.requireAccount = requireAccount
        self.allowPlaintextPasswords = allowPlaintextPasswords
        self.clock = clock
        sanctions = Locked(try book?.sanctions(activeAtMillis: clock()) ?? [])
        known = Locked(Set(try book?.accounts().map(\.skeleton) ?? []))
    }

    /// No accounts: everyone is a guest (tests of the core that need none).
    public static let none = try! Accounts(book: nil)

    /// Whether a password may be sent on a connection from `peer`.
    public func mayCarryPassword(_ peer: Peer) -> Bool { peer.keepsSecrets || allowPlaintextPasswords }

    // MARK: Checks in memory (any thread)

    /// The ban that keeps out the name `name` (by skeleton) or the address, if any.
    public func ban(name: String? = nil, address: String?) -> Sanction? {
        let now = clock()
        let skeleton = name.map(NameRules.skeleton)
        return sanctions.withLock { sanctions in
            sanctions.first {
                $0.kind == .ban && $0.isActive(atMillis: now)
                    && ((skeleton != nil && $0.nameSkeleton == skeleton) || (address != nil && $0.address == address))
            }
        }
    }

    /// The mute on `name`, if any.
    /// Asked for every message: the name's skeleton is worked out only when some mute exists.
    public func mute(of name: String) -> Sanction? {
        let now = clock()
        let mutes = sanctions.withLock { $0.filter { $0.kind == .mute && $0.isActive(atMillis: now) } }
        guard !mutes.isEmpty else { return nil }
        let skeleton = NameRules.skeleton(name)
        return mutes.first { $0.nameSkeleton == skeleton }
    }

    /// The outcome of a login that needs no lookup (no accounts at all, no password, guests
    /// welcome, no ban): a guest. Nil when `login` must run.
    public func outcomeWithoutLookup(name: String, password: String?, peer: Peer) -> LoginOutcome? {
        guard book == nil, password == nil, !requireAccount, ban(name: name, address: peer.address) == nil else {
            return nil
        }
        return .guest
    }

    // MARK: Blocking work (off the event loops)

    /// Checks `name` and `password` from `peer`. `now`: monotonic seconds, for the back-off.
    public func login(name: String, password: String?, peer: Peer, now: Double) -> LoginOutcome {
        if let ban = ban(name: name, address: peer.address) { return .banned(.banned(Self.words(ban))) }
        let account: Account?
        do {
            account = try book?.account(skeleton: NameRules.skeleton(name))
        } catch {
            let registered = known.withLock { $0.contains(NameRules.skeleton(name)) }
            guard password == nil, !registered, !requireAccount else {
                return .refused(.accountsUnavailable(error.message))
            }
            return .guest
        }
        guard let account else {
            if password != nil { return .refused(.noSuchAccount(name)) }
            return requireAccount ? .refused(.accountRequired) : .guest
        }
        known.withLock { _ = $0.insert(account.skeleton) }
        guard let password else { return .passwordNeeded(account: account.name) }
        guard mayCarryPassword(peer) else { return .refused(.plaintextPassword) }
        let wait = throttle.wait(address: peer.address, account: account.skeleton, now: now)
        if wait > 0 { return .refused(.tooManyAttempts(seconds: wait)) }
        guard PasswordHasher.verify(password, against: account.passwordHash) else {
            throttle.failed(address: peer.address, account: account.skeleton, now: now)
            return .refused(.wrongPassword(account.name))
        }
        throttle.succeeded(address: peer.address, account: account.skeleton)
        try? book?.noteLogin(skeleton: account.skeleton, atMillis: clock())
        if hasher.needsRehash(account.passwordHash), let stronger = try? hasher.hash(password) {
            _ = try? book?.setPasswordHash(stronger, skeleton: account.skeleton)
        }
        return .account(name: account.name, role: account.role)
    }

    /// Whether names must be looked up (`isRegistered(_:)`) before a guest takes them.
    public var hasAccounts: Bool { book != nil }

    /// Whether `name` (by skeleton) is registered; when the database cannot be read, whether it is
    /// known to be. Blocks.
    public func isRegistered(_ name: String) -> Bool {
        guard let book else { return false }
        let skeleton = NameRules.skeleton(name)
        do {
            return try book.account(skeleton: skeleton) != nil
        } catch {
            return known.withLock { $0.contains(skeleton) }
        }
    }

    /// Registers the guest name `name` with `password` (and an invite token when registration
    /// asks for one). The name as registered, or why not.
    public func register(name: String, password: String, invite: String?, peer: Peer) -> Result<String, Failure> {
        guard let book else { return .failure(.registrationClosed) }
        guard mayCarryPassword(peer) else { return .failure(.plaintextPassword) }
        guard password.count >= Self.minPasswordLength else {
            return .failure(.passwordTooShort(minimum: Self.minPasswordLength))
        }
        let skeleton = NameRules.skeleton(name)
        do {
            if try book.account(skeleton: skeleton) != nil { return .failure(.nameRegistered(name)) }
            // Loopback is exempt, as from the per-address connection limit: behind a local proxy
            // everyone is loopback.
            if !peer.isLoopback, registration != .closed, let wait = registrationWait(peer.address) {
                return .failure(.registeringTooFast(seconds: wait))
            }
            switch registration {
            case .closed:
                return .failure(.registrationClosed)
            case .invite:
                guard let invite, !invite.isEmpty else { return .failure(.inviteNeeded) }
                guard try book.redeemInvite(tokenHash: InviteToken.hash(invite), atMillis: clock()) else {
                    return .failure(.badInvite)
                }
            case .open:
                break
            }
            let hash: String
            do {
                hash = try hasher.hash(password)
            } catch {
                return .failure(.accountsUnavailable("cannot hash the password"))
            }
            try book.add(
                Account(name: name, skeleton: skeleton, passwordHash: hash, role: .member, createdMillis: clock()))
            known.withLock { _ = $0.insert(skeleton) }
            return .success(name)
        } catch {
            return .failure(.accountsUnavailable(error.message))
        }
    }

    /// Counts a registration from `address`; the seconds to wait when it is one too many this hour.
    private func registrationWait(_ address: String) -> Double? {
        let now = clock()
        return registrations.withLock { counts in
            var entry = counts[address] ?? (0, now)
            if now - entry.since >= 3_600_000 { entry = (0, now) }
            guard entry.count < Self.registrationsPerHour else {
                return Double(entry.since + 3_600_000 - now) / 1000
            }
            entry.count += 1
            counts[address] = entry
            if counts.count > 10_000 { counts = counts.filter { now - $0.value.since < 3_600_000 } }
            return nil
        }
    }

    /// Stores a ban or a mute by `by` and applies it at once: on a name (its skeleton) or an address,
    /// for `seconds` (nil: until lifted).
    public func impose(
        _ kind: Sanction.Kind, name: String?, address: String?, seconds: Int?, reason: String, by: String
    ) -> Result<Sanction, Failure> {
        let now = clock()
        var stored = Sanction(
            kind: kind, nameSkeleton: name.map(NameRules.skeleton), address: address,
            untilMillis: seconds.map { now + Int64($0) * 1000 }, reason: reason, by: by, createdMillis: now)
        if let book {
            do {
                stored = try book.add(stored)
            } catch {
                return .failure(.accountsUnavailable(error.message))
            }
        }
        sanctions.withLock { [stored] in $0.append(stored) }
        return .success(stored)
    }

    /// Lifts the bans or mutes of `kind` on a name or an address; how many were lifted.
    public func lift(_ kind: Sanction.Kind, name: String?, address: String?) -> Result<Int, Failure> {
        let now = clock()
        let skeleton = name.map(NameRules.skeleton)
        if let book {
            do {
                _ = try book.lift(kind, nameSkeleton: skeleton, address: address, atMillis: now)
            } catch {
                return .failure(.accountsUnavailable(error.message))
            }
        }
        let lifted = sanctions.withLock { sanctions in
            let before = sanctions.count
            sanctions.removeAll {
                $0.kind == kind && $0.isActive(atMillis: now)
                    && ((skeleton != nil && $0.nameSkeleton == skeleton) || (address != nil && $0.address == address))
            }
            return before - sanctions.count
        }
        return .success(lifted)
    }

    /// Lets go of the book's database. Blocks.
    public func close() { book?.close() }

    /// Reads the sanctions in force from the book again, replacing those in memory: another node
    /// (sharing a PostgreSQL database) imposed or lifted one. Blocks; nothing when the book
    /// cannot be read (those in memory stay).
    public func reloadSanctions() {
        guard let book, let current = try? book.sanctions(activeAtMillis: clock()) else { return }
        sanctions.withLock { $0 = current }
    }

    /// How long a sanction lasts and why, for the person under it.
    static func words(_ sanction: Sanction) -> SanctionWords {
        SanctionWords(untilMillis: sanction.untilMillis, reason: sanction.reason)
    }
}

/// A ban's or a mute's end and reason, as the person under it is told.
public struct SanctionWords: Sendable, Equatable {
    /// Nil: until an operator lifts it.
    public var untilMillis: Int64?
    public var reason: String

    public init(untilMillis: Int64?, reason: String) {
        self.untilMillis = untilMillis
        self.reason = reason
    }
}

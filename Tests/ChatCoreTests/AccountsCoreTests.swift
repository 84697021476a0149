import ChatCore
import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// `Accounts` and `LoginThrottle` alone: logins, passwords over the network, the back-off's
/// numbers, bans and mutes by skeleton and address.
@Suite("Core: accounts, the login back-off, bans and mutes")
struct AccountsCoreTests {
    static let password = "correct horse battery"
    static let network = Peer(address: "192.0.2.7", isLoopback: false, encrypted: false)
    static let tls = Peer(address: "192.0.2.7", isLoopback: false, encrypted: true)
    static let local = Peer(address: "127.0.0.1", isLoopback: true, encrypted: false)

    /// Accounts on a real database with `alice` registered.
    func accounts(
        _ directory: TemporaryDirectory, plaintext: Bool = false,
        clock: @escaping @Sendable () -> Int64 = currentTimeMillis
    )
        throws -> Accounts
    {
        let path = directory.file("chat.sqlite")
        try addAccount("alice", password: Self.password, database: path)
        return try Accounts(
            book: AccountBook(path: path), hasher: .testing, allowPlaintextPasswords: plaintext, clock: clock)
    }

    @Test("a password over the network without TLS is refused unchecked; over TLS or loopback it is checked")
    func plaintextPasswords() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let accounts = try accounts(dir)
        #expect(
            accounts.login(name: "alice", password: Self.password, peer: Self.network, now: 0)
                == .refused(.plaintextPassword))
        // Refused unread: no failure counted.
        #expect(accounts.throttle.totalFailures == 0)
        #expect(
            accounts.login(name: "alice", password: Self.password, peer: Self.tls, now: 0)
                == .account(name: "alice", role: .member))
        #expect(
            accounts.login(name: "ALICE", password: Self.password, peer: Self.local, now: 0)
                == .account(name: "alice", role: .member))
        #expect(
            accounts.login(name: "alice", password: nil, peer: Self.network, now: 0)
                == .passwordNeeded(account: "alice"))
        let allowing = try Accounts(book: AccountBook(path: dir.file("chat.sqlite")), allowPlaintextPasswords: true)
        #expect(
            allowing.login(name: "alice", password: Self.password, peer: Self.network, now: 0)
                == .account(name: "alice", role: .member))
    }

    @Test("the back-off: three failures free, then 1 s, 2 s, 4 s … at most 300 s; a success clears it")
    func backOffNumbers() {
        #expect((0...8).map(LoginThrottle.delay(after:)) == [0, 0, 0, 1, 2, 4, 8, 16, 32])
        #expect(LoginThrottle.delay(after: 40) == 300)
        let throttle = LoginThrottle()
        for second in 0..<3 { throttle.failed(address: "a", account: "alice", now: Double(second)) }
        #expect(throttle.wait(address: "a", account: "alice", now: 2) == 1)
        // The account is backed off from every address, the address for every account.
        #expect(throttle.wait(address: "b", account: "alice", now: 2.5) == 0.5)
        #expect(throttle.wait(address: "a", account: "bob", now: 2.5) == 0.5)
        #expect(throttle.wait(address: "b", account: "bob", now: 2.5) == 0)
        #expect(throttle.wait(address: "a", account: "alice", now: 3) == 0)
        throttle.failed(address: "a", account: "alice", now: 3)
        #expect(throttle.wait(address: "a", account: "alice", now: 3) == 2)
        // Forgotten 15 minutes after the last failure.
        #expect(throttle.wait(address: "a", account: "alice", now: 3 + LoginThrottle.forgetAfter) == 0)
        throttle.succeeded(address: "a", account: "alice")
        #expect(throttle.wait(address: "a", account: "alice", now: 4) == 0)
        #expect(throttle.totalFailures == 4)
    }

    @Test("wrong passwords: refused and counted; the right one during the wait is refused unchecked, after it works")
    func wrongPasswords() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let accounts = try accounts(dir)
        for _ in 0..<3 {
            #expect(
                accounts.login(name: "alice", password: "wrong", peer: Self.local, now: 10)
                    == .refused(.wrongPassword("alice")))
        }
        #expect(
            accounts.login(name: "alice", password: Self.password, peer: Self.local, now: 10.5)
                == .refused(.tooManyAttempts(seconds: 0.5)))
        #expect(
            accounts.login(name: "alice", password: Self.password, peer: Self.local, now: 11)
                == .account(name: "alice", role: .member))
        #expect(
            accounts.login(name: "zed", password: "anything", peer: Self.local, now: 11)
                == .refused(.noSuchAccount("zed")))
        #expect(accounts.login(name: "zed", password: nil, peer: Self.local, now: 11) == .guest)
    }

    @Test("bans by skeleton and by address; a ban ends at its time; mutes likewise; lifted ones are gone")
    func bansAndMutes() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let now = Locked<Int64>(1_000_000)
        let accounts = try accounts(dir) { now.withLock { $0 } }
        _ = accounts.impose(.ban, name: "mallory", address: nil, seconds: 60, reason: "spam", by: "op")
        #expect(accounts.ban(name: "MALL0RY", address: nil)?.reason == "spam")
        guard case .banned = accounts.login(name: "mаllory", password: nil, peer: Self.local, now: 0) else {
            Issue.record("a lookalike of a banned name is banned")
            return
        }
        _ = accounts.impose(.ban, name: nil, address: "192.0.2.7", seconds: nil, reason: "", by: "op")
        #expect(accounts.ban(address: "192.0.2.7") != nil)
        #expect(accounts.ban(address: "192.0.2.8") == nil)
        _ = accounts.impose(.mute, name: "bob", address: nil, seconds: 30, reason: "calm", by: "op")
        #expect(accounts.mute(of: "Bob") != nil)
        now.withLock { $0 += 31_000 }
        #expect(accounts.mute(of: "bob") == nil)
        #expect(accounts.ban(name: "mallory", address: nil) != nil)
        now.withLock { $0 += 30_000 }
        #expect(accounts.ban(name: "mallory", address: nil) == nil)
        #expect(accounts.lift(.ban, name: nil, address: "192.0.2.7") == .success(1))
        #expect(accounts.ban(address: "192.0.2.7") == nil)
        // Kept in the database: a new server run sees the ones still in force.
        _ = accounts.impose(.ban, name: "eve", address: nil, seconds: nil, reason: "", by: "op")
        let restarted = try Accounts(book: AccountBook(path: dir.file("chat.sqlite"))) { now.withLock { $0 } }
        #expect(restarted.ban(name: "eve", address: nil) != nil)
        #expect(restarted.ban(name: "mallory", address: nil) == nil)
    }

    @Test("registrations from one address: 5 an hour, then refused with the wait; loopback is exempt")
    func registrationsPerAddress() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let accounts = try Accounts(
            book: AccountBook(path: dir.file("chat.sqlite")), hasher: .testing, registration: .open)
        for index in 0..<Accounts.registrationsPerHour {
            #expect(
                accounts.register(name: "user\(index)", password: Self.password, invite: nil, peer: Self.tls)
                    == .success("user\(index)"))
        }
        guard
            case .failure(.registeringTooFast(let seconds)) = accounts.register(
                name: "one-more", password: Self.password, invite: nil, peer: Self.tls)
        else {
            Issue.record("the sixth registration from one address in an hour is refused")
            return
        }
        #expect(seconds > 3500 && seconds <= 3600)
        #expect(
            accounts.register(name: "local", password: Self.password, invite: nil, peer: Self.local)
                == .success("local"))
        #expect(
            accounts.register(name: "plain", password: Self.password, invite: nil, peer: Self.network)
                == .failure(.plaintextPassword))
    }

    @Test("the state machine: a name is checked while lines wait; a password is asked; refusals go back to naming")
    func identifying() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let accounts = try Accounts(book: AccountBook(path: dir.file("chat.sqlite")))
        var machine = ConnectionStateMachine(
            connection: 1, directory: ChatDirectory(), session: 1, configuration: CoreConfiguration(),
            accounts: accounts
        ) { 0 }
        _ = machine.start(peer: Self.local)
        #expect(machine.lineRead(.request(.join(JoinRequest(name: "alice")))) == [.logIn(name: "alice", password: nil)])
        #expect(machine.state == .identifying(name: "alice"))
        #expect(machine.lineRead(.request(.say("early"))) == [])
        #expect(machine.readComplete() == [])
        let asked = machine.loginChecked(.passwordNeeded(account: "alice"))
        // The line that came early is handled in order: not a password line, so it is refused.
        #expect(asked == [.send(.passwordNeeded(name: "alice")), .send(.error(.joinFirst)), .read])
        #expect(machine.expectsPassword)
        #expect(machine.lineRead(.request(.password("secret"))) == [.logIn(name: "alice", password: "secret")])
        #expect(
            machine.loginChecked(.refused(.wrongPassword("alice"))) == [.send(.error(.wrongPassword("alice"))), .read])
        #expect(!machine.expectsPassword && machine.state == .naming)
        // The name timer fires during a check: the refusal that follows closes the connection.
        _ = machine.lineRead(.request(.join(JoinRequest(name: "alice", password: "again"))))
        #expect(machine.nameTimerFired() == [])
        #expect(
            machine.loginChecked(.refused(.wrongPassword("alice")))
                == [.send(.error(.wrongPassword("alice"))), .send(.error(.noNameInTime)), .close])
        // A banned name is told and closed.
        var banned = ConnectionStateMachine(
            connection: 2, directory: ChatDirectory(), session: 1, configuration: CoreConfiguration(),
            accounts: accounts
        ) { 0 }
        _ = banned.start(peer: Self.local)
        _ = banned.lineRead(.request(.join(JoinRequest(name: "mallory"))))
        let words = SanctionWords(untilMillis: nil, reason: "spam")
        #expect(banned.loginChecked(.banned(.banned(words))) == [.cancelNameTimer, .finish(.error(.banned(words)))])
    }

    @Test("a database that cannot be read: guests still get in, names known to be registered do not")
    func unreadableAccounts() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("chat.sqlite")
        try addAccount("alice", password: Self.password, database: path)
        let book = try AccountBook(path: path)
        let accounts = try Accounts(book: book, hasher: .testing, registration: .open)
        #expect(
            accounts.register(name: "carol", password: Self.password, invite: nil, peer: Self.local)
                == .success("carol"))
        book.close()
        #expect(accounts.login(name: "bob", password: nil, peer: Self.local, now: 0) == .guest)
        for name in ["alice", "ALICE", "carol"] {
            guard
                case .refused(.accountsUnavailable) = accounts.login(
                    name: name, password: nil, peer: Self.local, now: 0)
            else {
                Issue.record("\(name) is known to be registered: refused while the accounts cannot be read")
                continue
            }
        }
        guard
            case .refused(.accountsUnavailable) = accounts.login(
                name: "bob", password: "whatever1", peer: Self.local, now: 0)
        else {
            Issue.record("a password cannot be checked: refused")
            return
        }
        #expect(accounts.isRegistered("alice") && accounts.isRegistered("carol") && !accounts.isRegistered("bob"))
    }
}

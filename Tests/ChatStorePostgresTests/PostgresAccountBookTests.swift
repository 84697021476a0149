import ChatModel
import ChatStore
import ChatStorePostgres
import Foundation
import Testing

/// `PostgresAccountBook` on a real PostgreSQL: what SQLite's `AccountBook` does, and right when two
/// books (two nodes) race for the same name or the last use of an invite.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresAccountBookTests {
    static func account(_ name: String, role: AccountRole = .member) -> Account {
        Account(
            name: name, skeleton: NameRules.skeleton(name), passwordHash: "$scrypt$not-checked-here", role: role,
            createdMillis: 1_000)
    }

    @Test("add, a look-alike refused, set hash and role, note a login, list, remove")
    func accounts() async throws {
        let address = try await freshDatabase()
        try await offPool {
            let book = try PostgresAccountBook.open(address: address)
            defer { book.close() }
            try book.add(Self.account("alice"))
            try book.add(Self.account("Bob", role: .operator))
            do throws(StoreError) {
                try book.add(Self.account("ALICE"))
                Issue.record("a look-alike name was added")
            } catch {
                #expect(error.kind == .alreadyRegistered)
                #expect(error.message == "the name ALICE is already registered (as alice, which looks the same)")
            }
            let skeleton = NameRules.skeleton("alice")
            #expect(try book.setPasswordHash("$scrypt$new", skeleton: skeleton))
            #expect(try book.setRole(.operator, skeleton: skeleton))
            try book.noteLogin(skeleton: skeleton, atMillis: 5_000)
            let alice = try #require(try book.account(skeleton: skeleton))
            #expect(alice.passwordHash == "$scrypt$new" && alice.role == .operator && alice.lastLoginMillis == 5_000)
            #expect(try book.accounts().map(\.name) == ["alice", "Bob"])
            #expect(try book.remove(skeleton: skeleton))
            #expect(try !book.remove(skeleton: skeleton))
            #expect(try !book.setRole(.member, skeleton: skeleton))
            #expect(try book.account(skeleton: skeleton) == nil)
        }
    }

    @Test("two books add the same name at once: one wins, the other is told it is registered")
    func nameRace() async throws {
        let address = try await freshDatabase()
        let (first, second) = try await offPool {
            (try PostgresAccountBook.open(address: address), try PostgresAccountBook.open(address: address))
        }
        defer {
            first.close()
            second.close()
        }
        for round in 0..<10 {
            let name = "name\(round)"
            async let one = offPool { Result { () throws(StoreError) in try first.add(Self.account(name)) } }
            async let other = offPool {
                Result { () throws(StoreError) in try second.add(Self.account(name.uppercased())) }
            }
            let outcomes = try await [one, other]
            #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            let refusal = outcomes.compactMap { if case .failure(let error) = $0 { error } else { nil } }.first
            #expect(refusal?.kind == .alreadyRegistered)
        }
    }

    @Test("an invite's last use, redeemed by two books at once, is taken once; expired ones never")
    func inviteRace() async throws {
        let address = try await freshDatabase()
        let (first, second) = try await offPool {
            (try PostgresAccountBook.open(address: address), try PostgresAccountBook.open(address: address))
        }
        defer {
            first.close()
            second.close()
        }
        for round in 0..<10 {
            let token = "token\(round)"
            try await offPool { try first.addInvite(tokenHash: token, uses: 1, expiresMillis: nil, createdMillis: 0) }
            async let one = offPool { try first.redeemInvite(tokenHash: token, atMillis: 1) }
            async let other = offPool { try second.redeemInvite(tokenHash: token, atMillis: 1) }
            let taken = try await [one, other]
            #expect(taken.filter { $0 }.count == 1, "round \(round): \(taken)")
        }
        try await offPool {
            try first.addInvite(tokenHash: "twice", uses: 2, expiresMillis: 100, createdMillis: 0)
            #expect(try first.redeemInvite(tokenHash: "twice", atMillis: 50))
            #expect(try !second.redeemInvite(tokenHash: "twice", atMillis: 100))  // ended
            #expect(try !second.redeemInvite(tokenHash: "unknown", atMillis: 50))
            #expect(throws: StoreError.self) {
                try first.addInvite(tokenHash: "none", uses: 0, expiresMillis: nil, createdMillis: 0)
            }
        }
    }

    @Test("sanctions: added with ids, active until lifted or ended, seen by another book; a mute on an address refused")
    func sanctions() async throws {
        let address = try await freshDatabase()
        try await offPool {
            let book = try PostgresAccountBook.open(address: address)
            let other = try PostgresAccountBook.open(address: address)
            defer {
                book.close()
                other.close()
            }
            let ban = try book.add(
                Sanction(kind: .ban, nameSkeleton: "bob", reason: "spam", by: "op", createdMillis: 10))
            let byAddress = try book.add(
                Sanction(kind: .ban, address: "10.0.0.1", untilMillis: 500, by: "op", createdMillis: 11))
            let mute = try book.add(Sanction(kind: .mute, nameSkeleton: "carol", by: "op", createdMillis: 12))
            #expect(ban.id > 0 && byAddress.id > ban.id && mute.id > byAddress.id)
            #expect(try other.sanctions(activeAtMillis: 100) == [ban, byAddress, mute])
            #expect(try other.sanctions(activeAtMillis: 500) == [ban, mute])  // the address ban has ended
            #expect(try other.lift(.ban, nameSkeleton: "bob", address: nil, atMillis: 600) == 1)
            #expect(try book.lift(.ban, nameSkeleton: "bob", address: nil, atMillis: 700) == 0)
            #expect(try book.sanctions(activeAtMillis: 700).map(\.id) == [mute.id])
            do throws(StoreError) {
                _ = try book.add(Sanction(kind: .mute, address: "10.0.0.2", by: "op", createdMillis: 13))
                Issue.record("a mute on an address was stored")
            } catch {
                #expect(error.kind == .invalidArgument)
            }
        }
    }
}

/// Runs `body` on a thread of its own: the book blocks its caller, which must not be a thread of
/// Swift's cooperative pool (see `AccountsBook`).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

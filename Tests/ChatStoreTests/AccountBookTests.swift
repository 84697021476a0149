import CSQLite
import ChatModel
import Foundation
import Testing

@testable import ChatStore

/// Accounts, invites and sanctions (schema 3), on real files, beside a running store too.
@Suite("AccountBook")
struct AccountBookTests {
    static func account(_ name: String, role: AccountRole = .member, at time: Int64 = 1_000) -> Account {
        Account(
            name: name, skeleton: NameRules.skeleton(name), passwordHash: "$scrypt$ln=8,r=8,p=1$c2FsdA$aGFzaA",
            role: role, createdMillis: time)
    }

    @Test func accountsAreAddedFoundByTheirSkeletonChangedAndRemoved() throws {
        let directory = try TemporaryDirectory()
        // A new file: the book creates it with the current schema.
        let book = try AccountBook(path: directory.database)
        defer { book.close() }
        let raw = try RawDatabase(directory.database, flags: SQLITE_OPEN_READONLY)
        #expect(try raw.value("PRAGMA user_version") == "\(Schema.version)")
        #expect(try raw.value("PRAGMA journal_mode") == "wal")

        let alice = Self.account("alice", role: .operator, at: 1_000)
        try book.add(alice)
        try book.add(Self.account("Bob", at: 2_000))
        #expect(try book.account(skeleton: "alice") == alice)
        #expect(try book.account(skeleton: NameRules.skeleton("ALICE")) == alice)
        #expect(try book.account(skeleton: "carol") == nil)
        #expect(try book.accounts().map(\.name) == ["alice", "Bob"])

        // The same name, or one that looks the same (Cyrillic а), is refused, and nothing changes.
        for name in ["alice", "ALICE", "\u{0430}lice"] {
            let error = storeError { try book.add(Self.account(name, at: 3_000)) }
            #expect(error?.kind == .alreadyRegistered, "\(name)")
            #expect(error?.description.contains("already registered") == true)
        }
        #expect(try book.accounts().count == 2)

        #expect(try book.setRole(.member, skeleton: "alice"))
        #expect(try book.account(skeleton: "alice")?.role == .member)
        #expect(try book.setPasswordHash("$scrypt$new", skeleton: "alice"))
        #expect(try book.account(skeleton: "alice")?.passwordHash == "$scrypt$new")
        #expect(try !book.setRole(.operator, skeleton: "carol"))
        #expect(try !book.setPasswordHash("x", skeleton: "carol"))

        #expect(try book.account(skeleton: "bob")?.lastLoginMillis == nil)
        try book.noteLogin(skeleton: "bob", atMillis: 5_000)
        #expect(try book.account(skeleton: "bob")?.lastLoginMillis == 5_000)
        try book.noteLogin(skeleton: "carol", atMillis: 5_000)  // nobody: nothing

        #expect(try book.remove(skeleton: "bob"))
        #expect(try !book.remove(skeleton: "bob"))
        #expect(try book.accounts().map(\.name) == ["alice"])
        // The role is checked by the schema too.
        #expect(throws: (any Error).self) {
            try RawDatabase(directory.database).execute(
                "INSERT INTO accounts (name, skeleton, password_hash, role, created_ms) VALUES ('x', 'x', 'h', 'god', 1)"
            )
        }

        book.close()
        #expect(storeError { _ = try book.accounts() }?.kind == .closed)
    }

    @Test func invitesAreSingleUseMultiUseAndExpire() throws {
        let directory = try TemporaryDirectory()
        let book = try AccountBook(path: directory.database)
        defer { book.close() }
        try book.addInvite(tokenHash: "once", uses: 1, expiresMillis: 10_000, createdMillis: 1_000)
        try book.addInvite(tokenHash: "thrice", uses: 3, expiresMillis: nil, createdMillis: 1_000)
        try book.addInvite(tokenHash: "short", uses: 5, expiresMillis: 2_000, createdMillis: 1_000)

        #expect(try book.redeemInvite(tokenHash: "once", atMillis: 5_000))
        #expect(try !book.redeemInvite(tokenHash: "once", atMillis: 5_000))
        #expect(
            try (0..<4).map { _ in try book.redeemInvite(tokenHash: "thrice", atMillis: 9_999_999) } == [
                true, true, true, false,
            ])
        #expect(try book.redeemInvite(tokenHash: "short", atMillis: 1_999))
        #expect(try !book.redeemInvite(tokenHash: "short", atMillis: 2_000))  // expired at 2 000
        #expect(try !book.redeemInvite(tokenHash: "unknown", atMillis: 1_000))
        #expect(
            storeError { try book.addInvite(tokenHash: "none", uses: 0, expiresMillis: nil, createdMillis: 1) }?
                .kind == .invalidArgument)
    }

    @Test func sanctionsAreActiveUntilTheyEndOrAreLifted() throws {
        let directory = try TemporaryDirectory()
        let book = try AccountBook(path: directory.database)
        defer { book.close() }
        let ban = try book.add(
            Sanction(kind: .ban, nameSkeleton: "mallory", reason: "spam", by: "alice", createdMillis: 1_000))
        #expect(ban.id > 0)
        let addressBan = try book.add(
            Sanction(kind: .ban, address: "192.0.2.7", untilMillis: 50_000, by: "alice", createdMillis: 1_000))
        let mute = try book.add(
            Sanction(kind: .mute, nameSkeleton: "mallory", untilMillis: 10_000, by: "alice", createdMillis: 1_000))
        #expect(Set([ban.id, addressBan.id, mute.id]).count == 3)

        #expect(try book.sanctions(activeAtMillis: 5_000) == [ban, addressBan, mute])
        #expect(try book.sanctions(activeAtMillis: 10_000) == [ban, addressBan])  // the mute ended
        #expect(mute.isActive(atMillis: 9_999) && !mute.isActive(atMillis: 10_000) && ban.isActive(atMillis: .max))

        // Lifting: only active ones of that kind, on that name or address.
        #expect(try book.lift(.mute, nameSkeleton: "mallory", address: nil, atMillis: 20_000) == 0)
        #expect(try book.lift(.ban, nameSkeleton: "mallory", address: nil, atMillis: 20_000) == 1)
        #expect(try book.sanctions(activeAtMillis: 20_000) == [addressBan])
        #expect(try book.lift(.ban, nameSkeleton: nil, address: "192.0.2.7", atMillis: 30_000) == 1)
        #expect(try book.sanctions(activeAtMillis: 30_000).isEmpty)
        #expect(try book.lift(.ban, nameSkeleton: "mallory", address: "192.0.2.7", atMillis: 40_000) == 0)
        // A lifted one keeps its record, ended at the lift.
        let raw = try RawDatabase(directory.database, flags: SQLITE_OPEN_READONLY)
        #expect(
            try raw.rows("SELECT until_ms, reason, by FROM sanctions ORDER BY id") == [
                ["20000", "spam", "alice"], ["30000", "", "alice"], ["10000", "", "alice"],
            ])

        #expect(
            storeError { _ = try book.add(Sanction(kind: .ban, by: "alice", createdMillis: 1)) }?.kind
                == .invalidArgument)
        #expect(
            storeError { _ = try book.add(Sanction(kind: .mute, address: "192.0.2.7", by: "a", createdMillis: 1)) }?
                .kind == .invalidArgument)
    }

    @Test func aSecondBookWritesWhileAServerHoldsTheFile() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        defer { try? store.close() }
        _ = try await writer.append(.message("alice", "before"))

        // Two books on the server's file (as the CLI beside a running server), from several threads.
        let cli = try AccountBook(path: directory.database)
        let server = try AccountBook(path: directory.database)
        defer {
            cli.close()
            server.close()
        }
        try cli.add(Self.account("alice"))
        #expect(try server.account(skeleton: "alice")?.name == "alice")
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try? cli.add(Self.account("user\(index)"))
                    _ = try? server.redeemInvite(tokenHash: "none", atMillis: 1)
                    try? server.noteLogin(skeleton: "alice", atMillis: Int64(index))
                }
            }
        }
        #expect(try server.accounts().count == 9)
        let event = try await writer.append(.message("alice", "after"))
        #expect(try store.read { try $0.recent(limit: 1) } == [event])
        try cli.addInvite(tokenHash: "t", uses: 1, expiresMillis: nil, createdMillis: 1)
        #expect(try server.redeemInvite(tokenHash: "t", atMillis: 2))
    }

    @Test func anOlderFileIsMigratedUnlessAServerHoldsIt() throws {
        let directory = try TemporaryDirectory()
        try MigrationTests.previousRelease(at: directory.database)
        let book = try AccountBook(path: directory.database)
        book.close()
        let raw = try RawDatabase(directory.database, flags: SQLITE_OPEN_READONLY)
        #expect(try raw.value("PRAGMA user_version") == "\(Schema.version)")

        // An old file held by a (older) server: a clear refusal, nothing changed.
        let other = directory.file("other.sqlite")
        try MigrationTests.previousRelease(at: other)
        let lock = try FileLock(databasePath: other)
        defer { lock.unlock() }
        let error = storeError { _ = try AccountBook(path: other) }
        #expect(error?.kind == .inUse(pid: getpid()))
        #expect(error?.description.contains("stop that server") == true, "\(String(describing: error))")
        #expect(try RawDatabase(other, flags: SQLITE_OPEN_READONLY).value("PRAGMA user_version") == "1")

        // A file of another program, or from a newer chatroom, is refused.
        let newer = directory.file("newer.sqlite")
        try RawDatabase(newer, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE).execute("PRAGMA user_version = 99")
        #expect(
            storeError { _ = try AccountBook(path: newer) }?.kind == .newerSchema(found: 99, supported: Schema.version))
    }
}

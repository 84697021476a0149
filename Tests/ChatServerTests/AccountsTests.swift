import ChatCore
import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// Registered names in both doors: asked for their password, never taken by a guest or a
/// lookalike, wrong passwords backed off; registration by invite or openly; guests refused when
/// the server says so.
@Suite("Accounts: registered names, passwords, registration", .timeLimit(.minutes(2)))
struct AccountsTests {
    static let password = "correct horse battery"

    /// Runs a server (`configure`d) on a database where `alice` is registered with `password`.
    func withAlice(
        _ configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (ChatServer, _ database: String) async throws -> Void
    ) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        try addAccount("alice", password: Self.password, database: database)
        var configuration = ServerConfiguration.testing(database: database)
        configure(&configuration)
        try await withServer(configuration) { try await body($0, database) }
    }

    @Test("plain door: a registered name is asked its password; a wrong one is refused, the right one joins")
    func plainLogin() async throws {
        try await withAlice { server, _ in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            let alice = try await TestClient.connect(port: server.port)
            try await alice.send("alice")
            try await alice.expect {
                $0 == "alice is a registered name. Type its password (only the server sees it), or {quit}:"
            }
            try await alice.send("not the password")
            try await alice.expect { $0 == "error: wrong password for alice. Type your name:" }
            try await alice.send("alice")
            try await alice.expect { $0.hasPrefix("alice is a registered name") }
            try await alice.send(Self.password)
            try await alice.expect { $0.hasPrefix("Hello alice!") }
            try await bob.expect { $0.hasSuffix("alice joined the chat") }
            // Nobody ever sees a password, nor the one who typed it.
            for line in try await alice.received + bob.received {
                #expect(!line.contains(Self.password) && !line.contains("not the password"), "\(line)")
            }
        }
    }

    @Test("a name and its password in one write (a script, a paste): the password is read as one")
    func nameAndPasswordTogether() async throws {
        try await withAlice { server, _ in
            let alice = try await TestClient.connect(port: server.port)
            try await alice.send(bytes: Array("alice\n\(Self.password)\nhello\n".utf8))
            try await alice.expect { $0.hasPrefix("Hello alice!") }
            try await alice.expect { $0 == "alice: hello" }
        }
    }

    @Test("a guest can never take a registered name, not by a lookalike, not while its holder is away")
    func lookalikesAskThePassword() async throws {
        try await withAlice { server, database in
            for typed in ["alice", "ALICE", "\u{0430}lice", "ali\u{200B}ce", "ａｌｉｃｅ"] {
                let guest = try await TestClient.connect(port: server.port)
                try await guest.send(typed)
                try await guest.expect {
                    $0 == "alice is a registered name. Type its password (only the server sees it), or {quit}:"
                }
                try await guest.send("{quit}")
                _ = try await guest.expectClosed()
            }
            #expect(try recordedEvents(database).filter { $0.kind == .join }.isEmpty)
        }
    }

    @Test("/nick to a registered name, or a lookalike of it, is refused; the guest keeps its name")
    func nickToRegistered() async throws {
        try await withAlice { server, database in
            let mallory = try await TestClient.join(port: server.port, as: "mallory")
            for typed in ["alice", "\u{0430}lice"] {
                try await mallory.send("/nick \(typed)")
                try await mallory.expect {
                    $0 == "error: \(typed) is registered already (or a name that looks like it)."
                }
            }
            try await mallory.send("/nick mal")
            try await mallory.expect { $0 == "mallory is now known as mal" }
            #expect(try recordedEvents(database).filter { $0.kind == .rename }.map(\.text) == ["mal"])
        }
    }

    @Test("JSON door: password_required, wrong_password, then the welcome; the hello may come again")
    func jsonLogin() async throws {
        try await withAlice { server, _ in
            let client = try await TestClient.connect(port: server.port)
            try await client.send(ClientMessage.hello(name: "alice").json)
            try await client.expect { $0.contains(#""code":"password_required""#) }
            try await client.send(ClientMessage.hello(name: "alice", password: "wrong one").json)
            try await client.expect { $0.contains(#""code":"wrong_password""#) }
            try await client.send(ClientMessage.hello(name: "alice", password: Self.password).json)
            try await client.expect { $0.contains(#""type":"welcome""#) && $0.contains(#""name":"alice""#) }
            // A password for a name nobody registered is refused rather than ignored.
            let other = try await TestClient.connect(port: server.port)
            try await other.send(ClientMessage.hello(name: "zed", password: "whatever1").json)
            try await other.expect { $0.contains(#""code":"no_such_account""#) }
        }
    }

    @Test("wrong passwords back off: after three, the next waits; a right one after the wait still works")
    func backOff() async throws {
        try await withAlice { server, _ in
            let client = try await TestClient.connect(port: server.port)
            for _ in 0..<3 {
                try await client.send(ClientMessage.hello(name: "alice", password: "wrong one").json)
                try await client.expect { $0.contains(#""code":"wrong_password""#) }
            }
            // Refused without being checked, even with the right password, until the wait is over.
            try await client.send(ClientMessage.hello(name: "alice", password: Self.password).json)
            try await client.expect { $0.contains(#""code":"too_many_attempts""#) }
            // The wait after three failures is 1 s: retried at the pace the server asks, the right
            // password gets in.
            var welcomed = false
            let deadline = Date().addingTimeInterval(10)
            while !welcomed, Date() < deadline {
                try await Task.sleep(for: .milliseconds(250))
                try await client.send(ClientMessage.hello(name: "alice", password: Self.password).json)
                let line = try await client.expect { $0.contains("welcome") || $0.contains("too_many_attempts") }
                welcomed = line.contains(#""type":"welcome""#)
            }
            #expect(welcomed)
        }
    }

    @Test("open registration: /register keeps the name; next time it asks the password")
    func openRegistration() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var configuration = ServerConfiguration.testing(database: dir.file("chat.sqlite"))
        configuration.registration = .open
        try await withServer(configuration) { server in
            let carol = try await TestClient.join(port: server.port, as: "carol")
            try await carol.send("/register short")
            try await carol.expect { $0 == "error: a password needs at least 8 characters." }
            try await carol.send("/register \(Self.password.replacingOccurrences(of: " ", with: "-"))")
            try await carol.expect { $0.hasPrefix("*** The name carol is registered to you now") }
            try await carol.send("/register again-and-again")
            try await carol.expect { $0 == "error: carol is registered already: it is yours." }
            try await carol.send("/quit")
            _ = try await carol.expectClosed()
            let again = try await TestClient.connect(port: server.port)
            try await again.send("carol")
            try await again.expect { $0.hasPrefix("carol is a registered name") }
            try await again.send(Self.password.replacingOccurrences(of: " ", with: "-"))
            try await again.expect { $0.hasPrefix("Hello carol!") }
        }
    }

    @Test("invite registration: a token works once, an unknown one never; closed registration refuses")
    func inviteRegistration() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testing(database: database)
        configuration.registration = .invite
        let token = InviteToken.make()
        try await withServer(configuration) { server in
            let book = try AccountBook(path: database)
            try book.addInvite(
                tokenHash: InviteToken.hash(token), uses: 1, expiresMillis: nil, createdMillis: currentTimeMillis())
            book.close()
            let dave = try await TestClient.join(port: server.port, as: "dave")
            try await dave.send("/register long-enough-password")
            try await dave.expect { $0 == "error: registering needs an invite: /register PASSWORD INVITE" }
            try await dave.send("/register long-enough-password not-a-token")
            try await dave.expect { $0 == "error: that invite is unknown, used up or expired." }
            try await dave.send("/register long-enough-password \(token)")
            try await dave.expect { $0.hasPrefix("*** The name dave is registered to you now") }
            let erin = try await TestClient.join(port: server.port, as: "erin")
            try await erin.send("/register long-enough-password \(token)")
            try await erin.expect { $0 == "error: that invite is unknown, used up or expired." }
        }
        var closed = ServerConfiguration.testing(database: database)
        closed.registration = .closed
        try await withServer(closed) { server in
            let frank = try await TestClient.join(port: server.port, as: "frank")
            try await frank.send("/register long-enough-password")
            try await frank.expect { $0.hasPrefix("error: registration is closed on this server") }
        }
    }

    @Test("--require-account: a guest is refused in both doors; a registered name joins")
    func requireAccount() async throws {
        let requiring: (inout ServerConfiguration) -> Void = { $0.requireAccount = true }
        try await withAlice(requiring) { server, _ in
            let guest = try await TestClient.connect(port: server.port)
            try await guest.send("mallory")
            try await guest.expect { $0.hasPrefix("error: this server is for registered names only") }
            let json = try await TestClient.connect(port: server.port)
            try await json.send(ClientMessage.hello(name: "mallory").json)
            try await json.expect { $0.contains(#""code":"account_required""#) }
            let watcher = try await TestClient.connect(port: server.port)
            try await watcher.send(ClientMessage.hello(name: "peeker", watch: true).json)
            try await watcher.expect { $0.contains(#""code":"account_required""#) }
            let alice = try await TestClient.connect(port: server.port)
            try await alice.send(ClientMessage.hello(name: "alice", password: Self.password).json)
            try await alice.expect { $0.contains(#""type":"welcome""#) && $0.contains(#""name":"alice""#) }
        }
    }
}

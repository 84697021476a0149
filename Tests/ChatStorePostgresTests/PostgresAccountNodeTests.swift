import ChatModel
import ChatProtocol
import ChatReplay
import ChatServer
import ChatStore
import ChatStorePostgres
import ChatTestSupport
import Foundation
import Testing

/// Accounts through real servers on two nodes sharing one PostgreSQL database: names registered
/// with the built `chat-server account` CLI, bans and mutes made on one node, a migrated book.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresAccountNodeTests {
    static let password = "tr0ub4dor&3-horse"

    /// `address` as typed on a command line, with a password (the test cluster trusts local
    /// connections, so any password does) that must never be printed.
    static func typed(_ address: PostgresAddress) -> String {
        "postgres://\(address.user):s3cr3t-pw@\(address.host):\(address.port)/\(address.database)"
    }

    /// `chat-server account add NAME` on `address`, the password on stdin.
    static func addAccount(_ name: String, operator isOperator: Bool = false, at address: PostgresAddress)
        async throws
    {
        let added = try await runChatServer(
            ["account", "add", name, "--password-stdin", "--database", typed(address)] + (isOperator ? ["--op"] : []),
            input: password + "\n")
        #expect(added.status == 0, "\(added.errors)")
        #expect(added.output == "account \(name) added" + (isOperator ? " (operator)" : "") + "\n")
        #expect(!(added.output + added.errors).contains("s3cr3t-pw"))
    }

    static func startNode(
        _ address: PostgresAddress, _ configure: @escaping (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> RunningServer {
        try await RunningServer(database: "", logLevel: .warning) {
            $0.database = .postgres(address)
            configure(&$0)
        }
    }

    /// Logs in as `name` with the test password over the plain door; the client, welcomed.
    static func logIn(_ name: String, port: Int) async throws -> TestClient {
        let client = try await TestClient.connect(port: port)
        try await client.send(name)
        try await client.expect { $0.hasPrefix("\(name) is a registered name") }
        try await client.send(password)
        try await client.expect { $0.hasPrefix("Hello \(name)!") }
        return client
    }

    @Test("an account added with the CLI while two nodes run logs in on both; a wrong password and a guest are refused")
    func cliAccountOnTwoNodes() async throws {
        let address = try await freshDatabase()
        let (a, b) = (try await Self.startNode(address), try await Self.startNode(address))
        try await withNodes([a, b]) {
            try await Self.addAccount("alice", at: address)
            let duplicate = try await runChatServer(
                ["account", "add", "ALICE", "--password-stdin", "--database", Self.typed(address)],
                input: Self.password + "\n")
            #expect(duplicate.status == 1)
            #expect(duplicate.errors.contains("already registered") && !duplicate.errors.contains("s3cr3t-pw"))
            let list = try await runChatServer(["account", "list", "--database", Self.typed(address)])
            #expect(list.status == 0 && list.output.contains("alice ") && !list.output.contains("$scrypt$"))

            for node in [a, b] {
                let alice = try await Self.logIn("alice", port: node.port)
                try await alice.send("/quit")
                _ = try await alice.expectClosed()
                let json = try await TestClient.connect(port: node.port)
                try await json.send(ClientMessage.hello(name: "alice", password: "wrong one").json)
                try await json.expect { $0.contains(#""code":"wrong_password""#) }
                // A guest cannot take the name: it is asked for the password.
                try await json.send(ClientMessage.hello(name: "Alice").json)
                try await json.expect { $0.contains(#""code":"password_required""#) }
                let renamer = try await TestClient.join(port: node.port, as: "mallory")
                try await renamer.send("/nick alice")
                try await renamer.expect { $0.hasPrefix("error: alice is registered already") }
            }
            let op = try await runChatServer(["account", "op", "alice", "--database", Self.typed(address)])
            #expect(op.status == 0 && op.output == "alice is an operator\n", "\(op.errors)")
            let removed = try await runChatServer(["account", "remove", "alice", "--database", Self.typed(address)])
            #expect(removed.status == 0 && removed.output == "account alice removed\n", "\(removed.errors)")
            // Removed while both nodes run: the name is free on both at once.
            for node in [a, b] {
                let guest = try await TestClient.join(port: node.port, as: "alice")
                try await guest.send("/quit")
                _ = try await guest.expectClosed()
            }
        }
    }

    @Test("--require-account on postgres:// refuses guests and lets accounts in; invites register once")
    func requireAccountAndInvite() async throws {
        let address = try await freshDatabase()
        try await Self.addAccount("alice", at: address)
        let node = try await Self.startNode(address) {
            $0.requireAccount = true
            $0.registration = .invite
        }
        try await withNodes([node]) {
            let guest = try await TestClient.connect(port: node.port)
            try await guest.send(ClientMessage.hello(name: "zed").json)
            try await guest.expect { $0.contains(#""code":"account_required""#) }
            _ = try await Self.logIn("alice", port: node.port)
        }
        let invite = try await runChatServer(["invite", "create", "--database", Self.typed(address)])
        #expect(invite.status == 0, "\(invite.errors)")
        #expect(!(invite.output + invite.errors).contains("s3cr3t-pw"))
        let token = invite.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let (a, b) = (
            try await Self.startNode(address) { $0.registration = .invite },
            try await Self.startNode(address) { $0.registration = .invite }
        )
        try await withNodes([a, b]) {
            let carol = try await TestClient.join(port: a.port, as: "carol")
            try await carol.send("/register \(Self.password) \(token)")
            try await carol.expect { $0.hasPrefix("*** The name carol is registered to you now") }
            let dave = try await TestClient.join(port: b.port, as: "dave")
            try await dave.send("/register \(Self.password) \(token)")
            try await dave.expect { $0 == "error: that invite is unknown, used up or expired." }
            try await carol.send("/quit")
            _ = try await carol.expectClosed()
            _ = try await Self.logIn("carol", port: b.port)
        }
    }

    @Test("a server operator's /kick on node A puts out a member of node B, whose leave says kicked")
    func kickAcrossNodes() async throws {
        let address = try await freshDatabase()
        try await Self.addAccount("op", operator: true, at: address)
        let (a, b) = (try await Self.startNode(address), try await Self.startNode(address))
        try await withNodes([a, b]) {
            let op = try await Self.logIn("op", port: a.port)
            let bob = try await TestClient.join(port: b.port, as: "bob")
            try await op.expect { $0 == "bob joined the chat" }
            try await op.send("/kick bob flooding the room")
            try await op.expect { $0.hasSuffix("op put bob out: flooding the room") }
            let lines = try await bob.expectClosed(within: 20)
            #expect(lines.contains("*** op put you out of this server (flooding the room). Goodbye!"), "\(lines)")
            try await op.expect(within: 20) { $0.hasSuffix("bob left the chat (kicked)") }
            try await op.send("/kick nobody")
            try await op.expect { $0.hasPrefix("error: ") && $0.contains("nobody") }
        }
    }

    @Test(
        "an operator's ban on node A puts the member out on node B and keeps them out there; unban lets them back; a mute holds there too"
    )
    func banAcrossNodes() async throws {
        let address = try await freshDatabase()
        try await Self.addAccount("op", operator: true, at: address)
        let (a, b) = (try await Self.startNode(address), try await Self.startNode(address))
        try await withNodes([a, b]) {
            let op = try await Self.logIn("op", port: a.port)
            let bob = try await TestClient.join(port: b.port, as: "bob")
            try await op.send("/ban bob 2h spam")
            try await op.expect { $0.hasSuffix("op banned bob: for 2h, spam") }
            let lines = try await bob.expectClosed(within: 20)
            #expect(lines.contains { $0.hasPrefix("*** op banned you from this server") }, "\(lines)")
            let again = try await TestClient.connect(port: b.port)
            try await again.send(ClientMessage.hello(name: "bob").json)
            try await again.expect { $0.contains(#""code":"banned""#) }
            try await op.send("/unban bob")
            try await op.expect { $0.hasSuffix("op lifted the ban on bob") }
            try await eventually(within: 20, "node B to lift the ban") {
                let client = try await TestClient.connect(port: b.port)
                try await client.send(ClientMessage.hello(name: "bob").json)
                let line = try await client.expect { $0.contains(#""code":"banned""#) || $0.contains("welcome") }
                return line.contains("welcome")
            }
            // A mute on node A silences the member on node B until lifted there too.
            let carol = try await TestClient.join(port: b.port, as: "carol")
            try await op.send("/mute carol 30m calm down")
            try await op.expect { $0.hasSuffix("op muted carol: for 30m, calm down") }
            try await eventually(within: 20, "node B to apply the mute") {
                try await carol.send("hello?")
                let line = try await carol.expect { $0.hasPrefix("error: you are muted") || $0 == "carol: hello?" }
                return line.hasPrefix("error: you are muted")
            }
            try await op.send("/unmute carol")
            try await eventually(within: 20, "node B to lift the mute") {
                try await carol.send("back")
                let line = try await carol.expect { $0.hasPrefix("error: you are muted") || $0 == "carol: back" }
                return line == "carol: back"
            }
        }
    }

    @Test(
        "chat-replay migrate copies the book: a migrated account logs in on a node, with its role; a migrated ban holds"
    )
    func migratedAccountLogsIn() async throws {
        let directory = try PostgresReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("chat.sqlite").path
        try ChatTestSupport.addAccount("alice", password: Self.password, role: .operator, database: path)
        let book = try AccountBook(path: path)
        try book.addInvite(tokenHash: "hash-of-a-token", uses: 3, expiresMillis: nil, createdMillis: 1)
        _ = try book.add(
            Sanction(kind: .ban, nameSkeleton: NameRules.skeleton("mallory"), by: "alice", createdMillis: 2))
        book.close()
        let address = try await freshDatabase()
        let report = try await Migration.run(from: path, to: Self.typed(address))
        #expect(report.accounts == 1 && report.invites == 1 && report.sanctions == 1)
        let node = try await Self.startNode(address)
        try await withNodes([node]) {
            let alice = try await Self.logIn("alice", port: node.port)
            try await alice.send("/kick nobody")
            try await alice.expect { $0.hasPrefix("error:") && !$0.contains("only operators") }
            let mallory = try await TestClient.connect(port: node.port)
            try await mallory.send(ClientMessage.hello(name: "mallory").json)
            try await mallory.expect { $0.contains(#""code":"banned""#) }
        }
        // Copied once: a second migrate into the same database is refused, and changes nothing.
        await #expect(throws: ReplayError.self) { try await Migration.run(from: path, to: Self.typed(address)) }
    }
}

import ChatCore
import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// `chat-server account ...` and `chat-server invite create` as real processes, on real files.
@Suite("chat-server account and invite", .timeLimit(.minutes(2)))
struct AccountCLITests {
    static let password = "tr0ub4dor&3-horse"

    /// `runChatServer` (ChatTestSupport).
    static func chatServer(
        _ arguments: [String], input: String = "", lowCost: Bool = true
    ) async throws -> (status: Int32, output: String, errors: String) {
        try await runChatServer(arguments, input: input, lowCost: lowCost)
    }

    /// The bytes of the database file and of its -wal (when there is one).
    static func fileBytes(_ db: String) -> Data {
        var bytes = Data()
        for suffix in ["", "-wal"] {
            bytes += FileManager.default.contents(atPath: db + suffix) ?? Data()
        }
        return bytes
    }

    @Test("account add --password-stdin, then account list: no hash, no password anywhere")
    func addAndList() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let added = try await Self.chatServer(
            ["account", "add", "alice", "--password-stdin", "--database", db], input: Self.password + "\n")
        #expect(added.status == 0, "\(added.errors)")
        #expect(added.output == "account alice added\n")
        #expect(!(added.output + added.errors).contains(Self.password))
        #expect(!(added.output + added.errors).contains("$scrypt$"))
        // Without a terminal on stdin the password is read from it too, and --db names the file.
        let bob = try await Self.chatServer(["account", "add", "Bob", "--op", "--db", db], input: "bobs password\n")
        #expect(bob.status == 0, "\(bob.errors)")
        #expect(bob.output == "account Bob added (operator)\n")

        let list = try await Self.chatServer(["account", "list", "--database", db])
        #expect(list.status == 0, "\(list.errors)")
        let lines = list.output.split(separator: "\n")
        #expect(lines.count == 3, "\(list.output)")
        #expect(lines[0].hasPrefix("NAME") && lines[0].contains("ROLE") && lines[0].contains("LAST LOGIN"))
        #expect(lines[1].hasPrefix("alice ") && lines[1].contains(" member ") && lines[1].hasSuffix("never"))
        #expect(lines[2].hasPrefix("Bob ") && lines[2].contains(" operator "))
        #expect(!list.output.contains("$scrypt$") && !list.output.contains(Self.password))

        // The hash stored verifies, and neither password is in the file or its log.
        let book = try AccountBook(path: db)
        let alice = try #require(try book.account(skeleton: "alice"))
        book.close()
        #expect(alice.passwordHash.hasPrefix("$scrypt$ln=8,r=8,p=1$"))
        #expect(PasswordHasher.verify(Self.password, against: alice.passwordHash))
        let bytes = Self.fileBytes(db)
        #expect(bytes.range(of: Data(Self.password.utf8)) == nil)
        #expect(bytes.range(of: Data("bobs password".utf8)) == nil)
    }

    @Test("account op and deop, passwd and remove; the server still runs with no subcommand and --db")
    func opDeopPasswdRemoveBesideARunningServer() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        // A server holds the file while the CLI writes to it.
        let server = try ServerProcess(database: db)
        let alice = try await TestClient.join(port: server.port, as: "alice")
        let added = try await Self.chatServer(["account", "add", "carol", "--db", db], input: Self.password + "\n")
        #expect(added.status == 0, "\(added.errors)")
        let op = try await Self.chatServer(["account", "op", "CAROL", "--db", db])
        #expect(op.status == 0, "\(op.errors)")
        #expect(op.output == "carol is an operator\n")
        let book = try AccountBook(path: db)
        defer { book.close() }
        #expect(try book.account(skeleton: "carol")?.role == .operator)
        let deop = try await Self.chatServer(["account", "deop", "carol", "--db", db])
        #expect(deop.output == "carol is a member\n")
        #expect(try book.account(skeleton: "carol")?.role == .member)

        let before = try #require(try book.account(skeleton: "carol")?.passwordHash)
        let passwd = try await Self.chatServer(
            ["account", "passwd", "carol", "--password-stdin", "--db", db], input: "a new password\n")
        #expect(passwd.status == 0, "\(passwd.errors)")
        let after = try #require(try book.account(skeleton: "carol")?.passwordHash)
        #expect(after != before && PasswordHasher.verify("a new password", against: after))

        let removed = try await Self.chatServer(["account", "remove", "carol", "--db", db])
        #expect(removed.status == 0 && removed.output == "account carol removed\n", "\(removed.errors)")
        #expect(try book.account(skeleton: "carol") == nil)
        // The server went on recording meanwhile.
        try await alice.send("still here")
        try await alice.expect { $0 == "alice: still here" }
        #expect(try await server.stop() == 0)

        // No subcommand is the server, with --db as --database.
        let again = try ServerProcess(database: db, arguments: ["--db", db])
        #expect(try await again.stop() == 0)
    }

    @Test("invite create prints a token whose hash alone is stored; --uses and --expires")
    func inviteCreate() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let created = try await Self.chatServer(["invite", "create", "--uses", "3", "--expires", "2h", "--db", db])
        #expect(created.status == 0, "\(created.errors)")
        let token = created.output.trimmingCharacters(in: .newlines)
        #expect(created.output == token + "\n" && token.count == 22, "\(created.output)")
        #expect(created.errors.contains("/register PASSWORD TOKEN"), "\(created.errors)")
        #expect(!created.errors.contains(token))

        // The token is nowhere in the file or its log; its hash is, and redeems three times.
        let bytes = Self.fileBytes(db)
        #expect(bytes.range(of: Data(token.utf8)) == nil)
        let book = try AccountBook(path: db)
        defer { book.close() }
        let now = currentTimeMillis()
        #expect(try !book.redeemInvite(tokenHash: InviteToken.hash(token), atMillis: now + 2 * 3_600_000 + 1000))
        #expect(
            try (0..<4).map { _ in try book.redeemInvite(tokenHash: InviteToken.hash(token), atMillis: now) } == [
                true, true, true, false,
            ])
        #expect(try !book.redeemInvite(tokenHash: token, atMillis: now))

        let single = try await Self.chatServer(["invite", "create", "--db", db])
        #expect(single.status == 0, "\(single.errors)")
        let one = single.output.trimmingCharacters(in: .newlines)
        #expect(try book.redeemInvite(tokenHash: InviteToken.hash(one), atMillis: now + 6 * 86_400_000))
        #expect(try !book.redeemInvite(tokenHash: InviteToken.hash(one), atMillis: now))

        for bad in ["7", "7w", "d", "-1d", "0d", "1.5h"] {
            let refused = try await Self.chatServer(["invite", "create", "--expires", bad, "--db", db])
            #expect(refused.status != 0, "\(bad)")
            #expect(refused.errors.contains("is not a duration"), "\(bad): \(refused.errors)")
            #expect(refused.output.isEmpty)
        }
        let noUses = try await Self.chatServer(["invite", "create", "--uses", "0", "--db", db])
        #expect(noUses.status != 0 && noUses.errors.contains("--uses must be at least 1"), "\(noUses.errors)")
    }

    @Test("on a terminal the password is asked twice without echo, and must match")
    func passwordFromTheTerminal() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        func run(_ arguments: [String], typing answers: [String]) async throws -> (Int32, String) {
            let terminal = try PseudoTerminal()
            let process = Process()
            process.executableURL = ServerProcess.executable
            process.arguments = arguments + ["--db", db]
            process.environment = ProcessInfo.processInfo.environment.merging(["CHATROOM_TEST_SCRYPT_LOGN": "8"]) {
                $1
            }
            let handle = FileHandle(fileDescriptor: terminal.slave, closeOnDealloc: false)
            process.standardInput = handle
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            close(terminal.slave)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let screen = ByteCollector(descriptor: terminal.master)
            for (index, answer) in answers.enumerated() {
                let prompt = index == 0 ? "Password for " : "Again: "
                try await screen.waitFor(prompt) { $0.contains(prompt) }
                terminal.type(answer + "\r")
            }
            try await eventually(within: 20, "the exit; screen: \(screen.text)") { !process.isRunning }
            try await eventually(within: 5, "the end of the output") { screen.finished || !screen.text.isEmpty }
            return (process.terminationStatus, screen.text)
        }
        let (added, screen) = try await run(["account", "add", "dave"], typing: [Self.password, Self.password])
        #expect(added == 0, "\(screen)")
        #expect(screen.contains("Password for dave: ") && screen.contains("Again: "), "\(screen)")
        #expect(screen.contains("account dave added"), "\(screen)")
        #expect(!screen.contains(Self.password), "the password was echoed: \(screen)")
        let (mismatch, other) = try await run(
            ["account", "passwd", "dave"], typing: [Self.password, "not the same one"])
        #expect(mismatch == 1)
        #expect(other.contains("the passwords do not match") && !other.contains("not the same"), "\(other)")
        let book = try AccountBook(path: db)
        defer { book.close() }
        #expect(
            PasswordHasher.verify(Self.password, against: try #require(try book.account(skeleton: "dave")).passwordHash)
        )
    }

    @Test("clear errors: a taken name (a lookalike too), an unknown account, a short password, reserved")
    func errors() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let added = try await Self.chatServer(["account", "add", "alice", "--db", db], input: Self.password + "\n")
        #expect(added.status == 0, "\(added.errors)")

        for taken in ["alice", "ALICE", "\u{0430}lice"] {
            let refused = try await Self.chatServer(["account", "add", taken, "--db", db], input: Self.password + "\n")
            #expect(refused.status == 1, "\(taken)")
            #expect(
                refused.errors.hasPrefix("chat-server: the name \(taken) is already registered"), "\(refused.errors)")
            #expect(refused.output.isEmpty)
        }
        for command in [["op"], ["deop"], ["remove"], ["passwd", "--password-stdin"]] {
            let refused = try await Self.chatServer(
                ["account"] + command + ["mallory", "--db", db], input: Self.password + "\n")
            #expect(refused.status == 1, "\(command)")
            #expect(refused.errors == "chat-server: no account mallory\n", "\(command): \(refused.errors)")
        }
        let short = try await Self.chatServer(["account", "add", "bob", "--db", db], input: "short\n")
        #expect(short.status == 1)
        #expect(short.errors == "chat-server: the password is too short: at least 8 characters\n", "\(short.errors)")
        let none = try await Self.chatServer(["account", "add", "bob", "--db", db], input: "")
        #expect(none.status == 1 && none.errors.contains("no password on stdin"), "\(none.errors)")
        let reserved = try await Self.chatServer(["account", "add", "SERVER", "--db", db], input: Self.password + "\n")
        #expect(reserved.status == 1 && reserved.errors.contains("is reserved"), "\(reserved.errors)")
        let empty = try await Self.chatServer(["account", "add", "\u{200B}", "--db", db], input: Self.password + "\n")
        #expect(empty.status == 1 && empty.errors.contains("the name is empty"), "\(empty.errors)")
        let missing = try await Self.chatServer(["account", "list", "--db", dir.file("none.sqlite")])
        #expect(missing.status == 1 && missing.errors.contains("no such database file"), "\(missing.errors)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("none.sqlite")))

        let list = try await Self.chatServer(["account", "list", "--db", db])
        #expect(list.output.split(separator: "\n").count == 2, "\(list.output)")
    }
}

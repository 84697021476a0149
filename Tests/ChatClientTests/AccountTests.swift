import ChatClient
import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Accounts and moderation in the client: the new commands, the password asked only when the
/// server wants it (and kept for reconnections), and no reconnection once put out.
@Suite("accounts and moderation in the client", .timeLimit(.minutes(2)))
struct AccountTests {
    @Test("/register, /remove, /kick, /ban, /unban, /mute, /unmute become their messages; mistakes are hints")
    func parsing() {
        #expect(UserInput.parse("/register") == .registerPrompt)
        #expect(UserInput.parse("/register sesame123") == .send(.register(password: "sesame123")))
        #expect(
            UserInput.parse("/register sesame123 tok42") == .send(.register(password: "sesame123", invite: "tok42")))
        #expect(isHint(UserInput.parse("/register a b c")))
        #expect(UserInput.parse("/kick bob") == .send(.kick(name: "bob")))
        #expect(UserInput.parse("/kick bob  too much spam ") == .send(.kick(name: "bob", reason: "too much spam")))
        #expect(isHint(UserInput.parse("/kick")))
        #expect(
            UserInput.parse("/remove bob off topic", room: "dev")
                == .send(.roomKick(name: "bob", room: "dev", reason: "off topic")))
        #expect(isHint(UserInput.parse("/remove")))
        #expect(UserInput.parse("/ban bob") == .send(.ban(target: "bob")))
        #expect(UserInput.parse("/ban bob 2h") == .send(.ban(target: "bob", seconds: 7200)))
        #expect(UserInput.parse("/ban bob 7d spam") == .send(.ban(target: "bob", seconds: 604_800, reason: "spam")))
        #expect(
            UserInput.parse("/ban 10.0.0.7 30m flood")
                == .send(.ban(target: "10.0.0.7", seconds: 1800, reason: "flood")))
        #expect(UserInput.parse("/ban bob 2nd warning") == .send(.ban(target: "bob", reason: "2nd warning")))
        #expect(isHint(UserInput.parse("/ban")))
        #expect(UserInput.parse("/unban 10.0.0.7") == .send(.unban(target: "10.0.0.7")))
        #expect(isHint(UserInput.parse("/unban")))
        #expect(isHint(UserInput.parse("/unban a b")))
        #expect(
            UserInput.parse("/mute bob 15m shouting") == .send(.mute(name: "bob", seconds: 900, reason: "shouting")))
        #expect(UserInput.parse("/mute bob") == .send(.mute(name: "bob")))
        #expect(isHint(UserInput.parse("/mute")))
        #expect(UserInput.parse("/unmute bob") == .send(.unmute(name: "bob")))
        #expect(isHint(UserInput.parse("/unmute")))
        for command in ["/register", "/remove", "/kick", "/ban", "/unban", "/mute", "/unmute"] {
            #expect(UserInput.helpLines.contains { $0.hasPrefix(command + " ") }, "\(command) in /help")
        }
    }

    @Test("a password typed on the line is not kept for recall")
    func forgetLine() {
        var editor = LineEditor(history: ["hi"])
        for character in "/register sesame123" { _ = editor.handle(.character(character)) }
        #expect(editor.handle(.enter) == .submit("/register sesame123"))
        editor.forgetLastLine()
        #expect(editor.history == ["hi"])
    }

    @Test("the password goes only in a hello after password_required, and again silently after a drop")
    func passwordOnlyWhenAsked() async throws {
        let server = try HostileServer { connection in
            guard let hello = connection.readFirstLine() else { return }
            connection.send("Welcome to chatroom! Type your name and press Enter:")
            guard hello.contains(#""password":"sesame123""#) else {
                connection.send(#"{"type":"error","code":"password_required","message":"alice is registered"}"#)
                return
            }
            connection.welcome(name: "alice")
            // The first welcomed connection drops; the next one stays.
            if connection.server.connections == 2 { return }
            connection.readUntilQuit()
        }
        defer { server.stop() }
        let asked = NIOLockedValueBox<[PasswordRequest]>([])
        let alice = SessionHarness(port: server.port, name: "alice") { options in
            options.askPassword = { request in
                asked.withLockedValue { $0.append(request) }
                return "sesame123"
            }
        }
        defer { alice.cancel() }
        try await eventually(within: 15, "a welcome after the drop") {
            alice.outputs.filter { if case .joined = $0 { return true } else { return false } }.count == 2
        }
        let hellos = server.firstLines
        #expect(hellos.count == 3)
        #expect(!hellos[0].contains("password"), "the first hello carries no password: \(hellos[0])")
        #expect(hellos[1].contains(#""password":"sesame123""#))
        #expect(hellos[2].contains(#""password":"sesame123""#), "a reconnection logs in again")
        #expect(asked.withLockedValue { $0 } == [PasswordRequest(name: "alice")], "asked once, not again")
        #expect(try await alice.quit() == .quit)
    }

    @Test("kicked: the server's words, a non-zero exit and no reconnection (pipe)")
    func kickedPipe() async throws {
        let server = try HostileServer { connection in
            guard connection.readFirstLine() != nil else { return }
            connection.welcome(name: "bob")
            connection.send(
                #"{"type":"error","code":"kicked","message":"*** root put you out of this server (spam). Goodbye!"}"#)
        }
        defer { server.stop() }
        let bob = try ClientProcess(["--port", "\(server.port)", "--name", "bob"])
        #expect(try await bob.exitStatus() == 1)
        #expect(bob.output.text.contains("*** root put you out of this server (spam). Goodbye!\n"))
        #expect(!bob.output.text.contains("error:"), "\(bob.output.text)")
        #expect(bob.errors.text.contains("put out of the server by an operator; not reconnecting"))
        #expect(!bob.output.text.contains("reconnect"), "\(bob.output.text)")
        #expect(server.connections == 1)
    }

    @Test("a refusal of the hello that another try would not change ends the pipe client: banned")
    func bannedAtHello() async throws {
        let server = try HostileServer { connection in
            guard connection.readFirstLine() != nil else { return }
            connection.send(#"{"type":"error","code":"banned","message":"*** You are banned from this server."}"#)
        }
        defer { server.stop() }
        let bob = try ClientProcess(["--port", "\(server.port)", "--name", "bob"])
        #expect(try await bob.exitStatus() == 1)
        #expect(bob.errors.text.contains("You are banned from this server"))
        #expect(server.connections == 1)
    }

    @Test("--password-stdin logs in to a registered name; a wrong one exits non-zero with the server's words")
    func passwordStdin() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db, Self.openRegistration) { server in
            try await register("alice", password: "sesame123", port: server.port)
            let alice = try ClientProcess(["--port", "\(server.port)", "--name", "alice", "--password-stdin"])
            try alice.type("sesame123")
            try alice.type("hello with a password")
            try await alice.output.waitFor("alice's message") { $0.contains("alice: hello with a password\n") }
            try alice.closeInput()
            #expect(try await alice.exitStatus() == 0)
            #expect(!alice.output.text.contains("sesame123") && !alice.errors.text.contains("sesame123"))

            let wrong = try ClientProcess(["--port", "\(server.port)", "--name", "alice", "--password-stdin"])
            try wrong.type("not the one")
            try wrong.type("never sent")
            #expect(try await wrong.exitStatus() == 1)
            #expect(wrong.errors.text.contains("wrong password for alice"), "\(wrong.errors.text)")

            // Without the flag, the line after the server asks is the password, never a message.
            let piped = try ClientProcess(["--port", "\(server.port)", "--name", "alice"])
            try piped.type("sesame123")
            try piped.type("the password went first")
            try await piped.output.waitFor("the message") { $0.contains("alice: the password went first\n") }
            try piped.closeInput()
            #expect(try await piped.exitStatus() == 0)
            // No password at all: a clear word, status 1.
            let none = try ClientProcess(["--port", "\(server.port)", "--name", "alice"])
            try none.closeInput()
            #expect(try await none.exitStatus() == 1)
            #expect(none.errors.text.contains("alice is a registered name and no password came"), "\(none.errors.text)")
            let texts = try recordedEvents(db).map(\.text)
            #expect(!texts.contains { $0.contains("sesame123") || $0.contains("not the one") || $0 == "never sent" })
        }
    }

    @Test("in a terminal: asked without echo, asked again after a wrong one, never recalled with ↑")
    func terminalPrompt() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db, Self.openRegistration) { server in
            try await register("alice", password: "sesame123", port: server.port)
            let alice = try TerminalClient(["--port", "\(server.port)", "--name", "alice"])
            try await alice.waitForScreen("the password prompt") { $0.cursorLine == "Password for alice:" }
            alice.type("wrong-one")
            try await alice.waitForScreen("nothing echoed") { $0.cursorLine == "Password for alice:" }
            alice.type("\r")
            try await alice.waitForLine(endingWith: "wrong password for alice")
            try await alice.waitForScreen("asked again") { $0.cursorLine == "Password for alice:" }
            alice.type("sesame123\r")
            try await alice.waitForScreen("alice's prompt") { $0.cursorLine == "[#main] alice>" }
            alice.type("\u{1B}[A")
            alice.type("hi\r")
            try await alice.waitForLine(endingWith: "alice: hi")
            #expect(!alice.output.text.contains("sesame123") && !alice.output.text.contains("wrong-one"))
            alice.type("\u{03}")
            #expect(try await alice.exitStatus() == 0)
        }
    }

    @Test("/register alone in a terminal: the new password twice, without echo; Ctrl+C at the login prompt leaves")
    func terminalRegister() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db, Self.openRegistration) { server in
            let alice = try TerminalClient(["--port", "\(server.port)", "--name", "alice"])
            try await alice.waitForScreen("alice's prompt") { $0.cursorLine == "[#main] alice>" }
            alice.type("/register\r")
            try await alice.waitForScreen("the first prompt") { $0.cursorLine == "New password:" }
            alice.type("sesame123\r")
            try await alice.waitForScreen("the second prompt") { $0.cursorLine == "The same password again:" }
            alice.type("sesame124\r")
            try await alice.waitForLine(endingWith: "the two passwords differ: not registered (/register tries again)")
            alice.type("/register\r")
            try await alice.waitForScreen("the first prompt again") { $0.cursorLine == "New password:" }
            alice.type("sesame123\r")
            alice.type("sesame123\r")
            try await alice.waitForScreen("the notice") { screen in
                screen.lines.contains { $0.contains("the name alice is registered to you now") }
            }
            alice.type("\u{1B}[A")
            try await alice.waitForScreen("the last line typed, recalled") {
                $0.cursorLine == "[#main] alice> /register"
            }
            alice.type("\u{03}")
            #expect(try await alice.exitStatus() == 0)
            #expect(!alice.output.text.contains("sesame12"))

            // Now the name is asked for its password; Ctrl+C there leaves quietly.
            let again = try TerminalClient(["--port", "\(server.port)", "--name", "alice"])
            try await again.waitForScreen("the password prompt") { $0.cursorLine == "Password for alice:" }
            again.type("\u{03}")
            #expect(try await again.exitStatus() == 0)
        }
    }

    @Test("after /register the client logs in with the new password when it reconnects")
    func registeredThenDropped() async throws {
        let server = try HostileServer { connection in
            guard let hello = connection.readFirstLine() else { return }
            connection.welcome(name: "alice")
            guard !hello.contains("password") else { return connection.readUntilQuit() }
            // The second line recorded is the register; the answer says it worked.
            if connection.readFirstLine() != nil { connection.send(#"{"type":"registered","name":"alice"}"#) }
            connection.drain()
        }
        defer { server.stop() }
        let alice = SessionHarness(port: server.port, name: "alice")
        defer { alice.cancel() }
        try await alice.waitFor("the welcome") { if case .joined = $0 { return true } else { return false } }
        alice.send(.register(password: "sesame123"))
        try await alice.waitFor("the notice") { output in
            if case .serverNotice(let words) = output { return words.contains("registered to you now") }
            return false
        }
        #expect(server.firstLines.count == 2)
        #expect(server.firstLines.last == ClientMessage.register(password: "sesame123").json)
        alice.session.dropConnection()
        try await eventually(within: 15, "a hello with the password") { server.firstLines.count == 3 }
        #expect(server.firstLines[2].contains(#""password":"sesame123""#))
        #expect(try await alice.quit() == .quit)
    }

    @Test("kicked in a terminal: the server's words, status 1, no reconnection")
    func kickedTerminal() async throws {
        let server = try HostileServer { connection in
            guard connection.readFirstLine() != nil else { return }
            connection.welcome(name: "bob")
            connection.send(
                #"{"type":"error","code":"kicked","message":"*** root put you out of this server (spam). Goodbye!"}"#)
        }
        defer { server.stop() }
        let bob = try TerminalClient(["--port", "\(server.port)", "--name", "bob"])
        #expect(try await bob.exitStatus() == 1)
        #expect(bob.output.text.contains("root put you out of this server (spam)"))
        #expect(bob.output.text.contains("put out of the server by an operator; not reconnecting"))
        #expect(server.connections == 1)
    }

    @Test("an operator's kick over JSON: the pipe client shows it, exits non-zero and does not come back")
    func kickedByOperator() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testing(database: db)
        configuration.passwordHasher = .testing
        let hash = try configuration.passwordHasher.hash("rootpass1")
        let book = try AccountBook(path: db)
        try book.add(
            Account(
                name: "keeper", skeleton: NameRules.skeleton("keeper"), passwordHash: hash, role: .operator,
                createdMillis: 0))
        book.close()
        try await withRunningServer(database: db, Self.openRegistration) { server in
            let bob = try ClientProcess(["--port", "\(server.port)", "--name", "bob"])
            try await bob.output.waitFor("bob's join") { $0.contains("bob joined the chat\n") }
            let root = try await TestClient.connect(port: server.port)
            try await root.send(#"{"type":"hello","protocol":1,"name":"keeper","password":"rootpass1"}"#)
            try await root.expect { $0.contains(#""type":"welcome""#) }
            try await root.send(#"{"type":"kick","name":"bob","reason":"spam"}"#)
            #expect(try await bob.exitStatus() == 1)
            #expect(bob.output.text.contains("put you out of this server (spam)"))
            #expect(bob.errors.text.contains("not reconnecting"))
            #expect(try await recordedLeave(of: "bob", in: db) == .kicked)
            await root.close()
        }
    }

    /// Anyone may register, and passwords are hashed cheaply.
    private static func openRegistration(_ configuration: inout ServerConfiguration) {
        configuration.registration = .open
        configuration.passwordHasher = .testing
    }

    private func isHint(_ input: UserInput) -> Bool {
        if case .hint = input { return true }
        return false
    }

    /// Registers `name` with `password` over the JSON protocol (the server's registration is open).
    private func register(_ name: String, password: String, port: Int) async throws {
        let client = try await TestClient.connect(port: port)
        try await client.send(#"{"type":"hello","protocol":1,"name":"\#(name)"}"#)
        try await client.expect { $0.contains(#""type":"welcome""#) }
        try await client.send(#"{"type":"register","password":"\#(password)"}"#)
        try await client.expect { $0.contains(#""type":"registered""#) }
        try await client.send(#"{"type":"quit"}"#)
        try await client.expectClosed()
    }
}

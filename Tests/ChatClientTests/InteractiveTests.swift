import ChatClient
import ChatModel
import ChatProtocol
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// The interactive client in a real pseudo-terminal.
@Suite("chat-client in a terminal", .timeLimit(.minutes(2)))
struct InteractiveTests {
    @Test(
        "text arrives while a line is half typed: the screen shows both, and the typed line is sent whole",
        arguments: ["\u{03}", "\u{04}"])
    func arrivalWhileTyping(leaveKey: String) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            let terminal = try PseudoTerminal()
            let process = try launchClient(["--port", "\(server.port)"], terminal: terminal)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let screen = ByteCollector(descriptor: terminal.master)
            func model() -> ScreenModel { screen.screen() }
            try await screen.waitFor("the name prompt") { $0.contains("name: ") }
            terminal.type("alice\r")
            try await eventually(within: 15, "alice's prompt; screen: \(model().lines)") {
                model().cursorLine == "[#main] alice>"
            }
            try await eventually(within: 15, "alice's join on screen") {
                model().lines.contains { $0.hasSuffix("→ alice joined the chat") }
            }

            terminal.type("hello wor")
            try await eventually(within: 15, "the half-typed line; screen: \(model().lines)") {
                model().cursorLine == "[#main] alice> hello wor"
            }
            try await talk(port: server.port, as: "bob", ["incoming \u{1B}[2J while you type"])
            try await eventually(within: 15, "bob's message above the input line; screen: \(model().lines)") {
                let screen = model()
                return screen.cursorLine == "[#main] alice> hello wor"
                    && screen.lines[screen.row - 1].hasSuffix("bob left the chat")
                    && screen.lines.contains { $0.hasSuffix("bob: incoming ^[[2J while you type") }
            }
            let before = model()
            #expect(before.column == "[#main] alice> hello wor".count, "the cursor stays at the end of the typed text")

            terminal.type("ld\r")
            try await eventually(within: 15, "the whole line sent") {
                try recordedEvents(db).contains { $0.user == "alice" && $0.text == "hello world" }
            }
            try await eventually(within: 15, "the echo on screen; screen: \(model().lines)") {
                model().lines.contains { $0.hasSuffix("alice: hello world") } && model().cursorLine == "[#main] alice>"
            }
            #expect(!model().lines.contains { $0.contains("alice: hello wor") && !$0.contains("world") })

            // An unknown command gets a hint and is not sent.
            terminal.type("/frobnicate\r")
            try await eventually(within: 15, "the hint; screen: \(model().lines)") {
                model().lines.contains { $0.contains("unknown command /frobnicate: not sent") }
            }

            terminal.type(leaveKey)
            try await eventually(within: 15, "the exit") { !process.isRunning }
            #expect(process.terminationStatus == 0)
            #expect(try await recordedLeave(of: "alice", in: db) == .quit)
            #expect(try !recordedEvents(db).contains { $0.text.contains("frobnicate") })
        }
    }

    @Test("NO_COLOR: no colours on the screen, yet the line editor still works")
    func noColor() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let terminal = try PseudoTerminal()
            let process = try launchClient(
                ["--port", "\(server.port)", "--name", "plain"], terminal: terminal, environment: ["NO_COLOR": "1"])
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let screen = ByteCollector(descriptor: terminal.master)
            try await screen.waitFor("the join") { $0.contains("→ plain joined the chat") }
            terminal.type("abc\u{1B}[D\u{1B}[DX\r")
            try await screen.waitFor("the edited line") { $0.contains("plain: aXbc") }
            terminal.type("\u{03}")
            try await eventually(within: 15, "the exit") { !process.isRunning }
            #expect(process.terminationStatus == 0)
            #expect(screen.text.range(of: "\u{1B}\\[[0-9;]*m", options: .regularExpression) == nil, "no SGR codes")
        }
    }
}

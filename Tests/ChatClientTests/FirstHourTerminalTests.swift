import ChatClient
import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// The first hour with the interactive client, in a real pseudo-terminal: emoji edited whole,
/// lines typed while disconnected, a quiet outage, a resize, a listener that does not echo.
@Suite("chat-client's first hour in a terminal", .timeLimit(.minutes(2)))
struct FirstHourTerminalTests {
    /// Waits until what the client drew on `screen` satisfies `condition`.
    func waitForScreen(
        _ screen: ByteCollector, _ what: String, columns: Int = 80, _ condition: @escaping (ScreenModel) -> Bool
    ) async throws {
        try await eventually(within: 15, "\(what); screen: \(screen.screen(columns: columns).lines)") {
            condition(screen.screen(columns: columns))
        }
    }

    /// Waits for `process` to exit and returns its status.
    func exitStatus(_ process: Process) async throws -> Int32 {
        try await eventually(within: 15, "the exit") { !process.isRunning }
        return process.terminationStatus
    }

    @Test("👋🏽, 🇫🇷 and 👨‍👩‍👧 are each erased by one Backspace: nothing broken is sent; the cursor follows wide characters")
    func graphemes() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            let terminal = try PseudoTerminal()
            let process = try launchClient(["--port", "\(server.port)", "--name", "alice"], terminal: terminal)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let screen = ByteCollector(descriptor: terminal.master)
            try await waitForScreen(screen, "alice's join") { $0.lines.contains { $0.hasSuffix("alice joined the chat") } }
            terminal.type("👋🏽\u{7F}\r")
            terminal.type("a👋🏽\u{7F}b🇫🇷\u{7F}c👨‍👩‍👧\u{7F}d漢")
            try await waitForScreen(screen, "the edited line, the cursor after 漢") {
                $0.cursorLine == "alice> abcd漢" && $0.column == "alice> abcd".count + 2
            }
            terminal.type("\r")
            try await eventually(within: 15, "the line sent") {
                try recordedEvents(db).contains { $0.user == "alice" && $0.text == "abcd漢" }
            }
            terminal.type("\u{03}")
            #expect(try await exitStatus(process) == 0)
            let sent = try recordedEvents(db).filter { $0.user == "alice" && $0.kind == .message }.map(\.text)
            #expect(sent == ["abcd漢"], "no half-erased emoji sent")
        }
    }

    @Test("a line typed while disconnected is queued, then sent after the reconnect; leaving with one queued warns")
    func queuedWhileDisconnected() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let first = try await RunningServer(database: db)
        let terminal = try PseudoTerminal()
        let process = try launchClient(["--port", "\(first.port)", "--name", "alice"], terminal: terminal)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let screen = ByteCollector(descriptor: terminal.master)
        try await waitForScreen(screen, "alice's join") { $0.lines.contains { $0.hasSuffix("alice joined the chat") } }
        try await first.stop()
        try await waitForScreen(screen, "the offline prompt") { $0.cursorLine.hasPrefix("(offline) alice>") }
        terminal.type("typed while away\r")
        try await waitForScreen(screen, "the queued notice") {
            $0.lines.contains { $0.hasSuffix("*** queued: will be sent when reconnected") }
        }
        let second = try await RunningServer(database: db, port: first.port)
        try await waitForScreen(screen, "the sent notice") {
            $0.lines.contains { $0.hasSuffix("*** sent 1 message typed while disconnected") }
        }
        #expect(try recordedEvents(db).contains { $0.user == "alice" && $0.text == "typed while away" })
        try await second.stop()
        try await waitForScreen(screen, "the offline prompt again") { $0.cursorLine.hasPrefix("(offline) alice>") }
        terminal.type("never sent\r\u{03}")
        try await waitForScreen(screen, "the warning") {
            $0.lines.contains { $0.hasSuffix("*** 1 message typed while disconnected will not be sent") }
        }
        #expect(try await exitStatus(process) == 0)
    }

    @Test("a server that stays away: one reconnection status line, updated in place")
    func quietOutage() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let server = try await RunningServer(database: dir.file("chat.sqlite"))
        let terminal = try PseudoTerminal()
        let process = try launchClient(["--port", "\(server.port)", "--name", "alice"], terminal: terminal)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let screen = ByteCollector(descriptor: terminal.master)
        try await waitForScreen(screen, "alice's join") { $0.lines.contains { $0.hasSuffix("alice joined the chat") } }
        try await server.stop()
        try await waitForScreen(screen, "the third attempt") { $0.lines.contains { $0.hasSuffix("(attempt 3)") } }
        // The status is longer than the terminal is wide: it takes two rows, both replaced each time.
        let attempts = screen.screen().lines.filter { $0.contains("(attempt ") }
        #expect(attempts.count == 1 && attempts.first?.hasSuffix("(attempt 3)") == true, "\(screen.screen().lines)")
        #expect(screen.screen().lines.filter { $0.contains("refused") }.count == 1, "\(screen.screen().lines)")
        #expect(screen.screen().cursorLine.hasPrefix("(offline) alice>"))
        terminal.type("\u{03}")
        #expect(try await exitStatus(process) == 0)
    }

    @Test("a narrower terminal: the input line is redrawn for the new width and no old copy stays")
    func resize() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let terminal = try PseudoTerminal(columns: 80)
            let process = try launchClient(["--port", "\(server.port)", "--name", "alice"], terminal: terminal)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let screen = ByteCollector(descriptor: terminal.master)
            try await waitForScreen(screen, "alice's join") { $0.lines.contains { $0.hasSuffix("alice joined the chat") } }
            let typed = String(repeating: "x", count: 50) + "END"
            terminal.type(typed)
            try await waitForScreen(screen, "the typed line") { $0.cursorLine == "alice> " + typed }
            let before = screen.data.count
            terminal.resize(columns: 30, telling: process)
            try await eventually(within: 15, "the redraw") {
                String(decoding: screen.data[before...], as: UTF8.self).contains("END")
            }
            // A terminal that re-wraps: the old 60-column line now fills rows 0 and 1, the cursor
            // (after its 60th column) on row 2.
            var rewrapped = ScreenModel(columns: 30, rows: 4)
            rewrapped.feed("alice> " + typed.prefix(53) + "\r\n")
            rewrapped.feed(String(decoding: screen.data[before...], as: UTF8.self))
            #expect(rewrapped.lines == ["alice> " + String(repeating: "x", count: 19) + "END", "", "", ""])
            kill(process.processIdentifier, SIGTERM)
            #expect(try await exitStatus(process) == 0)
        }
    }

    @Test("--listen in a terminal does not echo what is typed")
    func listenerDoesNotEcho() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let terminal = try PseudoTerminal()
            let process = try launchClient(["--listen", "--port", "\(server.port)", "--name", "ears"], terminal: terminal)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let screen = ByteCollector(descriptor: terminal.master)
            try await waitForScreen(screen, "the listener's join") { $0.lines.contains { $0.hasSuffix("ears joined the chat") } }
            terminal.type("secret keys\r")
            try await talk(port: server.port, as: "bob", ["after the typing"])
            try await waitForScreen(screen, "bob's message") { $0.lines.contains { $0.hasSuffix("bob: after the typing") } }
            #expect(!screen.text.contains("secret keys"))
            kill(process.processIdentifier, SIGINT)
            #expect(try await exitStatus(process) == 0)
        }
    }
}

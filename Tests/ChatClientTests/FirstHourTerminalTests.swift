import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@testable import ChatClient

/// The first hour with the interactive client, in a real pseudo-terminal: emoji edited whole,
/// lines typed while disconnected, a quiet outage, a resize, a listener that does not echo.
@Suite("chat-client's first hour in a terminal", .timeLimit(.minutes(2)))
struct FirstHourTerminalTests {
    /// `chat-client --name alice` in a terminal, once its join is on the screen.
    func alice(port: Int) async throws -> TerminalClient {
        let client = try TerminalClient(["--port", "\(port)", "--name", "alice"])
        try await client.waitForLine(endingWith: "alice joined the chat")
        return client
    }

    @Test("👋🏽, 🇫🇷 and 👨‍👩‍👧 each go with one Backspace: nothing broken is sent; the cursor follows wide characters")
    func graphemes() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            let client = try await alice(port: server.port)
            client.type("👋🏽\u{7F}\r")
            client.type("a👋🏽\u{7F}b🇫🇷\u{7F}c👨‍👩‍👧\u{7F}d漢")
            try await client.waitForScreen("the edited line, the cursor after 漢") {
                $0.cursorLine == "[#main] alice> abcd漢" && $0.column == "[#main] alice> abcd".count + 2
            }
            client.type("\r")
            try await eventually(within: 15, "the line sent") {
                try recordedEvents(db).contains { $0.user == "alice" && $0.text == "abcd漢" }
            }
            client.type("\u{03}")
            #expect(try await client.exitStatus() == 0)
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
        let client = try await alice(port: first.port)
        try await first.stop()
        try await client.waitForScreen("the offline prompt") { $0.cursorLine.hasPrefix("(offline) [#main] alice>") }
        client.type("typed while away\r")
        try await client.waitForLine(endingWith: "*** queued: will be sent when reconnected")
        let second = try await RunningServer(database: db, port: first.port)
        try await client.waitForLine(endingWith: "*** sent 1 message typed while disconnected")
        // The client says so once it has sent it; the server commits it a moment later.
        try await eventually("the queued line recorded") {
            try recordedEvents(db).contains { $0.user == "alice" && $0.text == "typed while away" }
        }
        try await second.stop()
        try await client.waitForScreen("the offline prompt again") {
            $0.cursorLine.hasPrefix("(offline) [#main] alice>")
        }
        client.type("never sent\r\u{03}")
        try await client.waitForLine(endingWith: "*** 1 message typed while disconnected will not be sent")
        #expect(try await client.exitStatus() == 0)
    }

    @Test("a server that stays away: one reconnection status line, updated in place")
    func quietOutage() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let server = try await RunningServer(database: dir.file("chat.sqlite"))
        let client = try await alice(port: server.port)
        try await server.stop()
        try await client.waitForLine(endingWith: "(attempt 3)")
        // The status is longer than the terminal is wide: it takes two rows, both replaced each time.
        let lines = client.screen.lines
        let attempts = lines.filter { $0.contains("(attempt ") }
        #expect(attempts.count == 1 && attempts.first?.hasSuffix("(attempt 3)") == true, "\(lines)")
        #expect(lines.filter { $0.contains("refused") }.count == 1, "\(lines)")
        #expect(client.screen.cursorLine.hasPrefix("(offline) [#main] alice>"))
        client.type("\u{03}")
        #expect(try await client.exitStatus() == 0)
    }

    @Test("a narrower terminal: the input line is redrawn for the new width and no old copy stays")
    func resize() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let client = try await alice(port: server.port)
            let typed = String(repeating: "x", count: 42) + "END"
            client.type(typed)
            try await client.waitForScreen("the typed line") { $0.cursorLine == "[#main] alice> " + typed }
            let before = client.output.data.count
            func redraw() -> String { String(decoding: client.output.data[before...], as: UTF8.self) }
            client.terminal.resize(columns: 30, telling: client.process)
            try await eventually(within: 15, "the redraw") { redraw().contains("END") }
            // A terminal that re-wraps: the old 60-column line now fills rows 0 and 1, the cursor
            // (after its 60th column) on row 2.
            var rewrapped = ScreenModel(columns: 30, rows: 4, width: InputLine.width(of:))
            rewrapped.feed("[#main] alice> " + typed + "\r\n")
            rewrapped.feed(redraw())
            #expect(rewrapped.lines == ["[#main] alice> " + String(repeating: "x", count: 11) + "END", "", "", ""])
            kill(client.process.processIdentifier, SIGTERM)
            #expect(try await client.exitStatus() == 0)
        }
    }

    @Test("--listen in a terminal does not echo what is typed")
    func listenerDoesNotEcho() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let client = try TerminalClient(["--listen", "--port", "\(server.port)", "--name", "ears"])
            try await client.waitForLine(endingWith: "joined room main as ears")
            client.type("secret keys\r")
            try await talk(port: server.port, as: "bob", ["after the typing"])
            try await client.waitForLine(endingWith: "bob: after the typing")
            #expect(!client.output.text.contains("secret keys"))
            kill(client.process.processIdentifier, SIGINT)
            #expect(try await client.exitStatus() == 0)
        }
    }
}

import ChatClient
import ChatModel
import ChatProtocol
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// `chat-client` run as a real process, its standard input and output pipes.
@Suite("chat-client as a process", .timeLimit(.minutes(2)))
struct ProcessTests {
    @Test("pipe mode: the name from the first line, lines sent as messages, events as plain lines, end of input quits")
    func pipeMode() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            try await talk(port: server.port, as: "bob", ["before you came"])
            let client = try ClientProcess(["--port", "\(server.port)"])
            try client.type("piper")
            try await client.output.waitFor("piper's join") { $0.contains("piper joined the chat\n") }
            try client.type("hello from a pipe")
            try client.type("/me waves")
            try client.type("/nonsense")
            try await talk(port: server.port, as: "bob", ["hi \u{1B}[2J\u{1B}[31mpiper\u{07}"])
            try await client.output.waitFor("bob's message") { $0.contains("bob: hi ") }
            try client.closeInput()
            #expect(try await client.exitStatus() == 0)
            let lines = client.output.text.split(separator: "\n").map(String.init)
            #expect(!client.output.data.contains(0x1B), "no escape codes in pipe mode")
            #expect(lines.contains { $0.hasSuffix("] bob: before you came") }, "history with its time: \(lines)")
            #expect(lines.contains("piper: hello from a pipe"))
            #expect(lines.contains("* piper waves"))
            #expect(lines.contains("bob: hi ^[[2J^[[31mpiper^G"))
            #expect(client.errors.text.contains("unknown command /nonsense"))
            let events = try recordedEvents(db)
            #expect(!events.contains { $0.text.contains("nonsense") }, "an unknown command is not sent")
            #expect(try await recordedLeave(of: "piper", in: db) == .quit)
        }
    }

    @Test("--listen receives only, as a watcher (no join or leave recorded); SIGINT leaves cleanly")
    func listen() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withRunningServer(database: db) { server in
            let client = try ClientProcess(["--listen", "--port", "\(server.port)", "--name", "ears"])
            // A watcher has no join: its welcome is the sign that it is in the fan-out.
            try await client.output.waitFor("the listener's welcome") { $0.contains("joined room main as ears\n") }
            try client.type("this is not sent")
            try await talk(port: server.port, as: "bob", ["anyone listening?"])
            try await client.output.waitFor("bob's message") { $0.contains("bob: anyone listening?\n") }
            kill(client.process.processIdentifier, SIGINT)
            #expect(try await client.exitStatus() == 0)
            let events = try recordedEvents(db)
            #expect(!events.contains { $0.text == "this is not sent" })
            // Anything the listener's quit recorded is committed before a later member's echo.
            try await talk(port: server.port, as: "carol", ["after the listener"])
            let after = try recordedEvents(db)
            #expect(!after.contains { $0.user == "ears" }, "a watcher's join and leave are not recorded: \(after)")
            #expect(!client.output.text.contains("ears joined the chat"))
        }
    }

    @Test("no server: one clear line naming host:port and the cause, non-zero exit")
    func cannotConnect() async throws {
        let port = try unusedPort()
        let client = try ClientProcess(["--port", "\(port)", "--name", "x", "--connect-timeout", "1"])
        try client.closeInput()
        #expect(try await client.exitStatus() == 1)
        let lines = client.errors.text.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first == "chat-client: connection refused: is chat-server running on 127.0.0.1:\(port)?")
        #expect(client.output.text.isEmpty)
    }

    @Test("--serve hosts the room in the process; when the host leaves, the others are told the room is closing")
    func serve() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("hosted.sqlite")
        let host = try ClientProcess(["--serve", "--port", "0", "--database", db, "--name", "host"])
        try await host.output.waitFor("the hosting line") { $0.contains("host joined the chat\n") }
        let first = try #require(host.output.text.split(separator: "\n").first)
        #expect(first.hasPrefix("*** hosting on 127.0.0.1:"))
        let port = try #require(Int(first.split(separator: ",")[0].split(separator: ":").last ?? ""))
        // The web window is served too: a browser's guest chats with the host.
        let web = try #require(host.output.text.split(separator: "\n").first { $0.hasPrefix("*** web window on ") })
        let webPort = try #require(Int(web.split(separator: ":").last?.dropLast() ?? ""))
        let browser = try await WebSocketTestClient.connect(port: webPort)
        try await browser.send(.hello(name: "browser"))
        try await browser.send(.say("from a browser"))
        try await host.output.waitFor("the browser's message") { $0.contains("browser: from a browser\n") }
        await browser.close()
        let guest = Task {
            try await ChatConnection.withConnection(host: "127.0.0.1", port: port, name: "guest") { chat in
                try await chat.send(.say("nice room"))
                var shutdown: String?
                while let message = try await chat.next() {
                    if case .shutdown(let text) = message { shutdown = text }
                }
                return shutdown
            }
        }
        try await host.output.waitFor("the guest's message") { $0.contains("guest: nice room\n") }
        try host.type("welcome, guest")
        try host.closeInput()
        #expect(try await guest.value == "the room is closing: the host left")
        #expect(try await host.exitStatus() == 0)
        let events = try recordedEvents(db)
        #expect(events.contains { $0.user == "host" && $0.text == "welcome, guest" })
        #expect(try EventReader(path: db).sessions().first?.state == .clean)
    }
}

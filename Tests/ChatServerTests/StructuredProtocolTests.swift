import ChatClient
import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@Suite("Structured protocol", .timeLimit(.minutes(1)))
struct StructuredProtocolTests {
    @Test("hello gets a welcome, history marked as history, then live events; who; errors with codes")
    func helloWelcomeAndEvents() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            try await alice.send("before bob")
            try await alice.expect { $0 == "alice: before bob" }
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "alice") { chat in
                #expect(chat.welcome.name == "alice2")
                #expect(chat.welcome.session == server.session)
                var history: [Event] = []
                var notices: [String] = []
                loop: while let message = try await chat.next() {
                    switch message {
                    case .event(let event, history: true): history.append(event)
                    case .notice(.nameChanged, let message): notices.append(message)
                    case .historyEnd: break loop
                    default: Issue.record("unexpected \(message)")
                    }
                }
                #expect(notices == ["The name alice is taken; you are alice2."])
                #expect(history.map(\.kind) == [.join, .message])
                #expect(history.last?.text == "before bob")
                guard case .event(let join, history: false) = try await chat.next() else {
                    throw WaitFailure(description: "no live join")
                }
                #expect(join.kind == .join && join.user == "alice2")
                try await chat.send(.say("hi \u{1B}[31m"))
                guard case .event(let said, history: false) = try await chat.next() else {
                    throw WaitFailure(description: "no live message")
                }
                #expect(said.text == "hi ^[[31m" && said.user == "alice2")
                try await chat.send(.who())
                #expect(try await chat.next() == .who(room: "main", names: ["alice", "alice2"]))
                try await chat.send(.hello(name: "again"))
                #expect(
                    try await chat.next() == .error(code: .badSequence, message: "already joined: hello comes once"))
                try await chat.send(.me("waves"))
                guard case .event(let action, _) = try await chat.next() else {
                    throw WaitFailure(description: "no action")
                }
                #expect(action.kind == .action && action.text == "waves")
                try await chat.quit()
            }
            try await alice.expect { $0 == "alice2 left the chat" }
        }
        let leave = try recordedEvents(db).last { $0.kind == .leave && $0.user == "alice2" }
        #expect(leave?.reason == .quit)
    }

    @Test("malformed, unknown and deeply nested JSON get errors; the connection goes on")
    func malformedInput() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let raw = try await TestClient.connect(port: server.port)
            try await raw.send(#"{"type":"say","text":"too early"}"#)
            try await raw.expect { $0.contains(#""code":"bad_sequence""#) }
            try await raw.send(#"{"type":"hello","protocol":1,"name":"server"}"#)
            try await raw.expect { $0.contains(#""code":"name_reserved""#) }
            try await raw.send(#"{"type":"hello","protocol":1,"name":"zed"}"#)
            try await raw.expect { $0.contains(#""type":"welcome""#) && $0.contains(#""name":"zed""#) }
            for bad in [
                #"{"type":"say"}"#, #"{"type":"dance"}"#, #"{"type":"say","text":"#,
                #"{"nested":"# + String(repeating: "[", count: 3000),
            ] {
                try await raw.send(bad)
                try await raw.expect { $0.contains(#""type":"error""#) }
            }
            try await raw.send(#"{"type":"say","text":"still fine"}"#)
            try await raw.expect { $0.contains(#""text":"still fine""#) }
        }
    }

    @Test("a newer protocol version is refused with a clear error")
    func unsupportedProtocol() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let raw = try await TestClient.connect(port: server.port)
            try await raw.send(#"{"type":"hello","protocol":99,"name":"future"}"#)
            let lines = try await raw.expectClosed()
            #expect(lines.contains { $0.contains(#""code":"unsupported_protocol""#) })
        }
    }

    @Test("resume: a client that reconnects gets every event it missed exactly once, in order")
    func resumeExactlyOnce() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let talker = try await TestClient.join(port: server.port, as: "talker")
            // Someone keeps talking the whole time.
            let talking = Task {
                for n in 0..<300 {
                    try await talker.send("n\(n)")
                    if n % 50 == 0 { await Task.yield() }
                }
            }
            var seen: [Int64] = []
            for round in 0..<4 {
                try await ChatConnection.withConnection(
                    host: "127.0.0.1", port: server.port, name: "reader", resumeAfter: seen.last ?? 0
                ) { chat in
                    var count = 0
                    while count < 40, let message = try await chat.next() {
                        if case .event(let event, _) = message {
                            seen.append(event.id)
                            count += 1
                        }
                    }
                    if round % 2 == 0 { try await chat.quit() }  // else: just drop the connection
                }
            }
            try await talking.value
            try await talker.expect { $0 == "talker: n299" }
            // One last resume picks up everything to the end.
            try await ChatConnection.withConnection(
                host: "127.0.0.1", port: server.port, name: "reader", resumeAfter: seen.last!
            ) { chat in
                while let message = try await chat.next() {
                    if case .event(let event, _) = message { seen.append(event.id) }
                    if case .historyEnd = message { break }
                }
            }
            let recorded = try recordedEvents(db).map(\.id).filter { $0 <= seen.last! }
            #expect(seen == recorded)
        }
    }

    @Test("resume beyond what the server keeps sends a gap notice, then the most recent events")
    func resumeGap() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var configuration = ServerConfiguration.testing(database: dir.file("chat.sqlite"))
        configuration.maxResume = 5
        try await withServer(configuration) { server in
            let talker = try await TestClient.join(port: server.port, as: "talker")
            for n in 0..<20 { try await talker.send("n\(n)") }
            try await talker.expect { $0 == "talker: n19" }
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "late", resumeAfter: 2)
            {
                chat in
                let first = try await chat.next()
                #expect(first == .gap(room: "main", after: 2, resumedAfter: 16))
                var ids: [Int64] = []
                while case .event(let event, true) = try await chat.next() { ids.append(event.id) }
                #expect(ids == [17, 18, 19, 20, 21])
            }
            // A resume point from another database (beyond the last id) is a gap too.
            try await ChatConnection.withConnection(
                host: "127.0.0.1", port: server.port, name: "other", resumeAfter: 999
            ) {
                chat in
                let first = try await chat.next()
                #expect(first == .gap(room: "main", after: 999, resumedAfter: 0))
            }
        }
    }
}

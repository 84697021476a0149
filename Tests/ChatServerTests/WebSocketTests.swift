import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// The web port without a browser: the WebSocket at `/chat` speaks the JSON-lines protocol through
/// the same core as the chat port; bad frames, wrong origins and readers that stop are refused or
/// cut off with everyone else unharmed. Real sockets on 127.0.0.1, a raw WebSocket client
/// (`WebSocketTestClient`) that can send what no browser would.
@Suite("WebSocket protocol", .timeLimit(.minutes(1)))
struct WebSocketTests {
    /// The event in a structured-protocol line, if it holds one.
    static func event(_ line: String) -> Event? {
        guard case .event(let event, _) = try? ServerMessage.decode(Array(line.utf8)) else { return nil }
        return event
    }

    /// Whether `events` hold every message of the concurrent phase and dave's leave.
    static func complete(_ events: [Event], messages: Int) -> Bool {
        events.filter { $0.kind == .message }.count == messages
            && events.contains { $0.kind == .leave && $0.user == "dave" }
    }

    @Test("a WebSocket, a JSON-lines and a plain client in one room see the same events in the same order")
    func sameEventsSameOrder() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(.testingWeb(database: db)) { server in
            let web = try #require(server.httpPort)
            let plain = try await TestClient.join(port: server.port, as: "plain")
            let json = try await TestClient.connect(port: server.port)
            try await json.send(ClientMessage.hello(name: "json").json)
            try await json.expect { $0.contains(#""type":"history_end""#) }
            let socket = try await WebSocketTestClient.join(port: web, as: "web")
            // Everyone has seen the web member come in: from here on all three must see the same.
            try await plain.expect { $0 == "web joined the chat" }
            try await json.expect { Self.event($0).map { $0.kind == .join && $0.user == "web" } ?? false }
            var webEvents: [Event] = []
            while webEvents.isEmpty {
                if case .event(let event, history: false) = try await socket.nextMessage(), event.kind == .join,
                    event.user == "web"
                {
                    webEvents.append(event)
                }
            }
            webEvents.removeAll()
            let perSender = 20
            let messages = 3 * perSender + 1
            // Three doors talk at once, and someone comes and goes meanwhile.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for n in 0..<perSender { try await plain.send("p\(n)") } }
                group.addTask { for n in 0..<perSender { try await json.send(ClientMessage.say("j\(n)").json) } }
                group.addTask { for n in 0..<perSender { try await socket.send(.say("w\(n)")) } }
                group.addTask {
                    let dave = try await TestClient.join(port: server.port, as: "dave")
                    try await dave.send("dave was here")
                    try await dave.expect { $0 == "dave: dave was here" }
                    try await dave.send("/quit")
                    _ = try await dave.expectClosed()
                }
                try await group.waitForAll()
            }
            while !Self.complete(webEvents, messages: messages) {
                if case .event(let event, history: false) = try await socket.nextMessage() { webEvents.append(event) }
            }
            var jsonEvents: [Event] = []
            while !Self.complete(jsonEvents, messages: messages) {
                guard let line = try await json.next() else { throw WaitFailure(description: "json closed") }
                if let event = Self.event(line) { jsonEvents.append(event) }
            }
            var plainLines: [String] = []
            while plainLines.count < webEvents.count {
                guard let line = try await plain.next() else { throw WaitFailure(description: "plain closed") }
                plainLines.append(line)
            }
            #expect(webEvents.map(\.kind).filter { $0 == .message }.count == messages)
            #expect(jsonEvents == webEvents)
            #expect(plainLines == webEvents.map(PlainText.line))
            // Ids ascend without gaps from the record's point of view: what was recorded is what was seen.
            let recorded = try recordedEvents(db).filter { $0.id >= webEvents[0].id && $0.id <= webEvents.last!.id }
            #expect(recorded.map(\.id) == webEvents.map(\.id))
            await socket.close()
        }
    }

    @Test("resume over the WebSocket: every event missed while away, exactly once, in order")
    func resumeExactlyOnce() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(.testingWeb(database: db)) { server in
            let web = try #require(server.httpPort)
            let talker = try await TestClient.join(port: server.port, as: "talker")
            let talking = Task {
                for n in 0..<300 {
                    try await talker.send("n\(n)")
                    if n % 50 == 0 { await Task.yield() }
                }
            }
            var seen: [Int64] = []
            for round in 0..<4 {
                let reader = try await WebSocketTestClient.connect(port: web)
                try await reader.hello("reader", resumeAfter: seen.last ?? 0)
                var count = 0
                while count < 40 {
                    if case .event(let event, _) = try await reader.nextMessage() {
                        seen.append(event.id)
                        count += 1
                    }
                }
                if round % 2 == 0 {
                    try await reader.send(.quit)
                    _ = try await reader.expectClose()
                } else {
                    await reader.close()  // just drop the connection
                }
            }
            try await talking.value
            try await talker.expect { $0 == "talker: n299" }
            let reader = try await WebSocketTestClient.connect(port: web)
            try await reader.hello("reader", resumeAfter: seen.last!)
            while true {
                let message = try await reader.nextMessage()
                if case .event(let event, _) = message { seen.append(event.id) }
                if case .historyEnd = message { break }
            }
            await reader.close()
            let recorded = try recordedEvents(db).map(\.id).filter { $0 <= seen.last! }
            #expect(seen == recorded)
        }
    }

    @Test("Origin: none, the server's own and allowed ones are upgraded; others get 403; only /chat upgrades")
    func origins() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testingWeb(database: db)
        configuration.allowedOrigins = ["https://chat.example.org"]
        try await withServer(configuration) { server in
            let web = try #require(server.httpPort)
            for origin in [
                "http://evil.example", "http://127.0.0.1:1", "null", "https://chat.example.org.evil.example",
            ] {
                let refused = try await WebSocketTestClient.upgrade(port: web, origin: origin)
                #expect(refused.response.status == 403, "Origin: \(origin)")
                #expect(refused.response.header("sec-websocket-accept") == nil)
                _ = try await refused.next()  // nil: the server closed it
                #expect(refused.isClosed)
            }
            let elsewhere = try await WebSocketTestClient.upgrade(port: web, path: "/elsewhere")
            #expect(elsewhere.response.status == 404)
            await elsewhere.close()
            var names: [String] = []
            for (index, origin) in [nil, "http://127.0.0.1:\(web)", "https://chat.example.org"].enumerated() {
                let client = try await WebSocketTestClient.connect(port: web, origin: origin)
                names.append(try await client.hello("guest\(index)"))
                try await client.send(.say("from \(origin ?? "no origin")"))
                try await client.expect { $0.contains(#""text":"from "#) }
                await client.close()
            }
            #expect(names == ["guest0", "guest1", "guest2"])
        }
        // Refused upgrades joined nobody.
        let joins = try recordedEvents(db).filter { $0.kind == .join }.map(\.user)
        #expect(joins == ["guest0", "guest1", "guest2"])
    }

    /// A frame the server must refuse, and the close code it must refuse it with.
    struct BadFrame: Sendable, CustomStringConvertible {
        var description: String
        var code: UInt16
        var send: @Sendable (WebSocketTestClient, Int) async throws -> Void
    }

    static let badFrames: [BadFrame] = [
        BadFrame(description: "binary frame", code: 1003) { client, _ in try await client.send(.binary, [1, 2, 3]) },
        BadFrame(description: "text that is not UTF-8", code: 1007) { client, _ in
            try await client.send(
                .text, Array(#"{"type":"say","text":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#""}"#.utf8))
        },
        BadFrame(description: "text split inside a character", code: 1007) { client, _ in
            let text = Array(#"{"type":"say","text":"é"}"#.utf8)
            let cut = text.firstIndex(of: 0xC3)! + 1
            try await client.send(.text, Array(text[..<cut]), fin: false)
            try await client.send(.continuation, [0x28] + Array(text[(cut + 1)...]))
        },
        // Only the header and a few bytes of the payload: the header alone must be refused,
        // without the server buffering the rest. (Bytes the server has not read when it closes
        // would make its kernel answer with a reset, which can lose the close frame in transit.)
        BadFrame(description: "one frame over the limit", code: 1009) { client, limit in
            let frame = WebSocketTestClient.frame(
                opcode: 0x1, payload: [UInt8](repeating: UInt8(ascii: "a"), count: limit + 1))
            try await client.send(raw: Array(frame.prefix(20)))
        },
        BadFrame(description: "a fragmented message over the limit", code: 1009) { client, limit in
            let half = [UInt8](repeating: UInt8(ascii: "a"), count: limit / 2 + 1)
            try await client.send(.text, half, fin: false)
            try await client.send(.continuation, half)
        },
        BadFrame(description: "unmasked client frame", code: 1002) { client, _ in
            try await client.send(.text, Array(ClientMessage.say("bare").json.utf8), masked: false)
        },
        BadFrame(description: "fragmented ping", code: 1002) { client, _ in
            try await client.send(.ping, [1], fin: false)
        },
        BadFrame(description: "ping with 126 bytes", code: 1002) { client, _ in
            try await client.send(.ping, [UInt8](repeating: 7, count: 126))
        },
        BadFrame(description: "continuation of nothing", code: 1002) { client, _ in
            try await client.send(.continuation, [0x7B])
        },
        BadFrame(description: "a new message inside a fragmented one", code: 1002) { client, _ in
            try await client.send(.text, Array(#"{"type":"#.utf8), fin: false)
            try await client.send(.text, Array(#"{"type":"ping"}"#.utf8))
        },
        BadFrame(description: "reserved opcode 3", code: 1002) { client, _ in
            try await client.send(raw: WebSocketTestClient.frame(opcode: 0x3, payload: [1]))
        },
        BadFrame(description: "reserved bit RSV1 without an extension", code: 1002) { client, _ in
            try await client.send(.text, Array(ClientMessage.say("compressed?").json.utf8), rsv: 0x40)
        },
    ]

    @Test("bad frames get a close frame with their code; the server and everyone else go on", arguments: badFrames)
    func badFrame(_ bad: BadFrame) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let configuration = ServerConfiguration.testingWeb(database: dir.file("chat.sqlite"))
        try await withServer(configuration) { server in
            let web = try #require(server.httpPort)
            let plain = try await TestClient.join(port: server.port, as: "plain")
            let good = try await WebSocketTestClient.join(port: web, as: "good")
            let culprit = try await WebSocketTestClient.join(port: web, as: "culprit")
            try await plain.expect { $0 == "culprit joined the chat" }
            try await bad.send(culprit, server.configuration.maxFrameBytes)
            let (code, before) = try await culprit.expectClose()
            #expect(code == bad.code, "\(bad): close \(String(describing: code)); before it: \(before)")
            // Everyone else is unharmed, and sees the culprit go.
            try await plain.expect { $0.hasPrefix("culprit left the chat") }
            try await plain.send("still here")
            try await good.expect { Self.event($0)?.text == "still here" }
            try await good.send(.say("me too"))
            try await plain.expect { $0 == "good: me too" }
            // And a newcomer can still come in through the web port.
            let late = try await WebSocketTestClient.join(port: web, as: "late")
            try await late.send(.say("hello"))
            try await plain.expect { $0 == "late: hello" }
            await late.close()
            await good.close()
        }
    }

    @Test("a WebSocket client that stops reading is cut off as too slow, and recorded so; the others go on")
    func slowReader() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testingWeb(database: db)
        configuration.maxQueueBytes = 65_536
        configuration.stallSeconds = 1
        configuration.messagesPerSecond = 0
        configuration.history = 0
        try await withServer(configuration) { server in
            let web = try #require(server.httpPort)
            let slow = try await WebSocketTestClient.join(port: web, as: "slow", receiveBuffer: 4096)
            try await slow.stopReading()
            let reader = try await WebSocketTestClient.join(port: web, as: "reader")
            let talker = try await TestClient.join(port: server.port, as: "talker")
            let padding = String(repeating: "x", count: 200)
            let deadline = Date().addingTimeInterval(40)
            var batch = 0
            // Talk, a batch at a time (read back, so the talker is never the slow one), until the
            // server lets the stalled reader go.
            while try await !talker.received.contains(where: { $0.hasPrefix("slow left the chat") }) {
                guard Date() < deadline else { throw WaitFailure(description: "slow reader still in after \(batch)") }
                let last = "b\(batch)-49 "
                for n in 0..<50 { try await talker.send("b\(batch)-\(n) \(padding)") }
                try await talker.expect(within: 20) { $0.hasPrefix("talker: " + last) }
                try await reader.expect(within: 20) { $0.contains(#""text":""# + last) }
                batch += 1
            }
            #expect(try await talker.received.contains("slow left the chat (too slow)"))
            try await talker.send("after")
            try await reader.expect { $0.contains(#""text":"after""#) }
            // The stalled reader's connection is closed: reading again, it drains what the kernel
            // held and comes to the end.
            try await slow.channel.setOption(.autoRead, value: true).get()
            _ = try await slow.readToEnd(within: 20)
            await reader.close()
        }
        let leave = try #require(try recordedEvents(db).first { $0.kind == .leave && $0.user == "slow" })
        #expect(leave.reason == .tooSlow)
    }

    @Test("a client that floods pings and never reads the pongs is cut off as too slow; the others go on")
    func pingFlood() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testingWeb(database: db)
        configuration.maxQueueBytes = 65_536
        configuration.stallSeconds = 1
        try await withServer(configuration) { server in
            let web = try #require(server.httpPort)
            let plain = try await TestClient.join(port: server.port, as: "plain")
            let flooder = try await WebSocketTestClient.join(port: web, as: "flooder", receiveBuffer: 4096)
            try await flooder.stopReading()
            // 4 MiB of pongs owed, far over what the queue and the kernel's buffers hold.
            let ping = WebSocketTestClient.frame(opcode: 0x9, payload: [UInt8](repeating: 1, count: 125))
            let batch = Array([[UInt8]](repeating: ping, count: 256).joined())
            for _ in 0..<128 { flooder.queue(raw: batch) }
            try await plain.expect(within: 30) { $0.hasPrefix("flooder left the chat") }
            try await plain.send("still here")
            try await plain.expect { $0 == "plain: still here" }
            await flooder.close()
        }
        let leave = try #require(try recordedEvents(db).first { $0.kind == .leave && $0.user == "flooder" })
        #expect(leave.reason == .tooSlow)
    }

    @Test("GET / is the page with its Content-Security-Policy; an unknown path is 404")
    func page() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(.testingWeb(database: dir.file("chat.sqlite"))) { server in
            let web = try #require(server.httpPort)
            let page = try await WebSocketTestClient.get(port: web, path: "/")
            #expect(page.status == 200)
            #expect(page.header("content-type")?.hasPrefix("text/html") == true)
            let policy = try #require(page.header("content-security-policy"))
            #expect(policy.contains("default-src 'none'"))
            #expect(policy.contains("script-src 'self'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(page.text.lowercased().contains("<html"))
            let missing = try await WebSocketTestClient.get(port: web, path: "/nope")
            #expect(missing.status == 404)
        }
    }

    @Test("ping frames are answered with pong frames; JSON ping gets pong; a silent member is pinged, then closed")
    func pings() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testingWeb(database: db)
        configuration.idleTimeoutSeconds = 2
        try await withServer(configuration) { server in
            let web = try #require(server.httpPort)
            let talker = try await WebSocketTestClient.join(port: web, as: "talker")
            let silent = try await WebSocketTestClient.join(port: web, as: "silent")
            try await talker.send(.ping, [1, 2, 3])
            var frames: [WebSocketFrame] = []
            while frames.last != .pong([1, 2, 3]) {
                guard let frame = try await talker.next() else { throw WaitFailure(description: "closed: \(frames)") }
                frames.append(frame)
            }
            try await talker.send(.ping)
            while try await talker.nextMessage() != .pong {}
            // The silent member gets the server's ping, does not answer, and is closed as lost;
            // the talker answers its pings meanwhile and stays.
            try await silent.expect { $0 == #"{"type":"ping"}"# }
            while true {
                let message = try await talker.nextMessage()
                if message == .ping { try await talker.send(.pong) }
                if case .event(let event, _) = message, event.kind == .leave, event.user == "silent" { break }
            }
            // Closed as lost, as a TCP member would be (no close frame: it is presumed gone).
            try await silent.readToEnd()
            try await talker.send(.say("still here"))
            try await talker.expect { Self.event($0)?.text == "still here" }
            await talker.close()
        }
        let leave = try #require(try recordedEvents(db).first { $0.kind == .leave && $0.user == "silent" })
        #expect(leave.reason == .connectionLost)
    }
}

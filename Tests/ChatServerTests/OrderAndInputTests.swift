import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@Suite("Order, limits and bad input", .timeLimit(.minutes(1)))
struct OrderAndInputTests {
    @Test("all clients see every message in the same order, which is the id order in the database")
    func totalOrder() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let seen = try await withServer(database: db) { server in
            var clients: [TestClient] = []
            for index in 0..<5 { clients.append(try await TestClient.join(port: server.port, as: "c\(index)")) }
            try await clients[0].expect { $0 == "c4 joined the chat" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask { for n in 0..<40 { try await client.send("m\(index)-\(n)") } }
                }
                try await group.waitForAll()
            }
            var seen: [[String]] = []
            for client in clients {
                try await client.expect { $0 == "c4: m4-39" }
                var lines = try await client.received.filter { $0.contains(": m") }
                // Wait until all 200 messages have arrived at this client.
                let deadline = Date().addingTimeInterval(10)
                while lines.count < 200 && Date() < deadline {
                    _ = try? await client.next(within: 0.5)
                    lines = try await client.received.filter { $0.contains(": m") }
                }
                seen.append(lines)
            }
            return seen
        }
        let recorded = try recordedEvents(db).filter { $0.kind == .message }.map { "\($0.user): \($0.text)" }
        #expect(recorded.count == 200)
        for lines in seen { #expect(lines == recorded) }
        let ids = try recordedEvents(db).map(\.id)
        #expect(ids == Array(1...Int64(ids.count)))
    }

    @Test("an overlong line is refused to the sender and never broadcast; the connection goes on")
    func overlongLine() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testing(database: db)
        configuration.maxMessageBytes = 1000
        try await withServer(configuration) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await alice.send(String(repeating: "x", count: 5000))
            try await alice.expect {
                $0 == "error: your message was 5000 bytes, over the limit of 1000; it was not sent."
            }
            try await alice.send("still here")
            try await bob.expect { $0 == "alice: still here" }
            #expect(try await bob.received.allSatisfy { !$0.contains("xxxx") })
        }
        #expect(try recordedEvents(db).allSatisfy { !$0.text.contains("xxxx") })
    }

    @Test("a line of exactly the limit is accepted with a CRLF ending too: the limit counts the content")
    func lineAtTheLimitWithCRLF() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let text = String(
            repeating: "y", count: ServerConfiguration.testing(database: dir.file("chat.sqlite")).maxMessageBytes)
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await alice.send(bytes: Array(text.utf8) + Array("\r\n".utf8))
            try await bob.expect { $0 == "alice: \(text)" }
        }
    }

    @Test("invalid UTF-8 becomes U+FFFD; nothing crashes")
    func invalidUTF8() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            try await alice.send(bytes: Array("bad ".utf8) + [0xC3, 0x28, 0xFF, 0xFE] + Array(" end\n".utf8))
            try await alice.expect { $0 == "alice: bad \u{FFFD}(\u{FFFD}\u{FFFD} end" }
        }
        #expect(try recordedEvents(db).contains { $0.text == "bad \u{FFFD}(\u{FFFD}\u{FFFD} end" })
    }

    @Test("control characters and escape sequences never reach another terminal as raw bytes")
    func escapeInjection() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let mallory = try await TestClient.join(port: server.port, as: "mallory")
            let victim = try await TestClient.join(port: server.port, as: "victim")
            let attack: [UInt8] =
                [0x1B] + Array("[2J".utf8) + [0x07, 0x08, 0x00, 0x7F, 0xC2, 0x9B] + Array("31m\r".utf8)
            try await mallory.send(bytes: Array("x".utf8) + attack + Array("done\n".utf8))
            let line = try await victim.expect { $0.hasPrefix("mallory: ") }
            #expect(line == "mallory: x^[[2J^G^H^@^?\u{FFFD}31m^Mdone")
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) })
        }
    }

    @Test("a flood is slowed down with a notice, and nothing is lost")
    func floodIsRateLimited() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testing(database: db)
        configuration.messagesPerSecond = 20
        configuration.messageBurst = 5
        try await withServer(configuration) { server in
            let flooder = try await TestClient.join(port: server.port, as: "flooder")
            let started = Date()
            for n in 0..<40 { try await flooder.send("flood \(n)") }
            try await flooder.expect { $0.hasPrefix("notice: you are sending more than 20 messages a second") }
            try await flooder.expect { $0 == "flooder: flood 39" }
            // 35 messages beyond the burst at 20 a second take at least 1.75 s.
            #expect(Date().timeIntervalSince(started) >= 1.7)
        }
        #expect(try recordedEvents(db).filter { $0.kind == .message }.count == 40)
    }

    @Test("a client that never reads is disconnected as too slow and never holds up the others")
    func slowConsumer() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testing(database: db)
        configuration.maxQueueBytes = 256 * 1024
        configuration.messageBurst = 100_000
        try await withServer(configuration) { server in
            let sleeper = try await TestClient.join(port: server.port, as: "sleeper")
            try await sleeper.channel.setOption(.autoRead, value: false).get()
            let talker = try await TestClient.join(port: server.port, as: "talker")
            let payload = String(repeating: "p", count: 900)
            // The talker reads its own messages as it goes, so it is never the slow one.
            for n in 0..<20000 {
                try await talker.send("\(n) \(payload)")
                if n % 50 == 49 { try await talker.expect(within: 20) { $0.hasPrefix("talker: \(n) ") } }
            }
            if try await !talker.received.contains("sleeper left the chat (too slow)") {
                try await talker.expect(within: 20) { $0 == "sleeper left the chat (too slow)" }
            }
        }
        let leave = try recordedEvents(db).first { $0.kind == .leave && $0.user == "sleeper" }
        #expect(leave?.reason == .tooSlow)
    }
}

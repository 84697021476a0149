import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Testing

/// The limit is on a message's text, the same from every door: framing and escapes do not count.
@Suite struct MessageLimitTests {
    static let limit = MessageLimit.defaultBytes
    /// Text that JSON escapes heavily (every `"` and `\` takes two bytes), `bytes` long.
    static func escapingText(_ bytes: Int) -> String {
        String(String(repeating: #"\"q"#, count: bytes / 3 + 1).prefix(bytes))
    }

    /// Says `text` on a JSON connection; the error code when refused, nil when the room got it.
    static func say(_ chat: inout ChatConnection, _ text: String) async throws -> ErrorCode? {
        let me = chat.welcome.name
        try await chat.send(.say(text))
        while let message = try await chat.next() {
            switch message {
            case .event(let event, history: false) where event.user == me && event.kind == .message:
                #expect(event.text == text)
                return nil
            case .error(let code, _): return code
            default: continue
            }
        }
        throw WaitFailure(description: "connection closed")
    }

    @Test("a message of exactly the limit passes from nc (say and /me) and from a JSON client that escapes heavily")
    func atTheLimitFromEveryDoor() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let plain = String(repeating: "x", count: Self.limit)
        let json = Self.escapingText(Self.limit)
        #expect(json.utf8.count == Self.limit)
        try await withServer(database: db) { server in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await bob.send(plain)
            try await bob.expect { $0 == "bob: \(plain)" }
            try await bob.send("/me \(plain)")
            try await bob.expect { $0 == "* bob \(plain)" }
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "alice", history: 0) {
                alice in
                #expect(alice.welcome.maxMessageBytes == Self.limit)
                #expect(try await Self.say(&alice, json) == nil)
                try await alice.quit()
            }
            try await bob.expect { $0 == "alice: \(json)" }
        }
        let texts = try recordedEvents(db).filter { $0.kind == .message || $0.kind == .action }.map(\.text)
        #expect(texts == [plain, plain, json])
    }

    @Test("one byte over the limit is refused from nc and from a JSON client alike, with line_too_long")
    func overTheLimitFromEveryDoor() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testing(database: db)
        configuration.maxMessageBytes = 100
        let words = "error: your message was 101 bytes, over the limit of 100; it was not sent."
        try await withServer(configuration) { server in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await bob.send(String(repeating: "x", count: 101))
            try await bob.expect { $0 == words }
            try await bob.send("/me " + String(repeating: "x", count: 101))
            try await bob.expect { $0 == words }
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "alice", history: 0) {
                alice in
                #expect(alice.welcome.maxMessageBytes == 100)
                try await alice.send(.say(Self.escapingText(101)))
                var refusal: ServerMessage?
                while let message = try await alice.next() {
                    if case .error = message {
                        refusal = message
                        break
                    }
                }
                #expect(refusal == .error(code: .lineTooLong, message: words))
                #expect(try await Self.say(&alice, Self.escapingText(100)) == nil)
                try await alice.quit()
            }
        }
        #expect(try recordedEvents(db).filter { $0.kind == .message }.map(\.text) == [Self.escapingText(100)])
    }
}

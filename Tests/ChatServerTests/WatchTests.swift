import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Testing

@Suite("Watch mode over sockets", .timeLimit(.minutes(1)))
struct WatchSocketTests {
    @Test("a JSON watcher: not in a member's /who, numbers nobody, no join or leave stored, sees live messages")
    func watcherBesideAPlainMember() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        try await withServer(database: db) { server in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await ChatConnection.withConnection(
                host: "127.0.0.1", port: server.port, name: "bob", watch: true
            ) { chat in
                #expect(chat.welcome.name == "bob", "a watcher takes no name from the room, so it is not bob2")
                var history: [Event] = []
                loop: while let message = try await chat.next() {
                    switch message {
                    case .event(let event, history: true): history.append(event)
                    case .historyEnd: break loop
                    default: Issue.record("unexpected \(message)")
                    }
                }
                #expect(history.map(\.kind) == [.join])
                try await bob.send("/who")
                try await bob.expect { $0 == "In the room (1): bob" }
                try await bob.send("anyone watching?")
                guard case .event(let said, history: false) = try await chat.next() else {
                    throw WaitFailure(description: "no live message")
                }
                #expect(said.kind == .message && said.user == "bob" && said.text == "anyone watching?")
                try await chat.send(.say("not sent"))
                guard case .error(let code, let message) = try await chat.next() else {
                    throw WaitFailure(description: "no refusal")
                }
                #expect(code == .watchOnly)
                #expect(message.contains("watching"))
                try await chat.send(.who())
                #expect(try await chat.next() == .who(room: "main", names: ["bob"]))
                try await chat.quit()
                #expect(try await chat.next() == nil, "the server closes after the quit, saying nothing more")
            }
            // The watcher's quit, if it recorded anything, would be committed before this echo.
            try await bob.send("still here")
            try await bob.expect { $0 == "bob: still here" }
        }
        let events = try recordedEvents(db)
        // bob's own leave (the server stopping) may be there; the watcher's join or leave never is.
        #expect(events.filter { $0.kind != .leave }.map(\.kind) == [.join, .message, .message])
        #expect(events.filter { $0.kind == .leave }.count <= 1)
        #expect(events.allSatisfy { $0.user == "bob" })
        #expect(!events.contains { $0.text == "not sent" })
    }
}

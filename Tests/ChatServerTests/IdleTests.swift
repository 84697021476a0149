import ChatModel
import ChatProtocol
import ChatServer
import ChatTestSupport
import Foundation
import Testing

/// The structured door's ping: a member that neither sends nor answers is closed after the idle
/// timeout; one that answers (as `ChatConnection` does) stays; people with `nc` are never pinged.
@Suite("Idle members: ping and pong", .timeLimit(.minutes(1)))
struct IdleTests {
    @Test("a silent JSON member is pinged at half the timeout and closed at the whole; others stay")
    func silentMemberClosed() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        var configuration = ServerConfiguration.testing(database: database)
        configuration.idleTimeoutSeconds = 2
        try await withServer(configuration) { server in
            let silent = try await TestClient.connect(port: server.port)
            try await silent.send(ClientMessage.hello(name: "silent").json)
            try await silent.expect { $0.contains(#""type":"welcome""#) }
            let plain = try await TestClient.join(port: server.port, as: "plain")
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "answers") { chat in
                // Reading (and so answering pings) until the silent member is gone.
                while let message = try await chat.next() {
                    if case .event(let event, _) = message, event.kind == .leave, event.user == "silent" { break }
                }
                try await silent.expect { $0 == #"{"type":"ping"}"# }
                _ = try await silent.expectClosed()
                // Joined at the same time, the member that answered pings and the plain one are here.
                try await chat.send(.say("still here"))
                try await plain.expect { $0 == "silent left the chat (connection lost)" }
                try await plain.expect { $0 == "answers: still here" }
                try await chat.send(.ping)
                while let message = try await chat.next() {
                    if message == .pong { break }
                }
            }
        }
        let leave = try #require(try recordedEvents(database).first { $0.kind == .leave && $0.user == "silent" })
        #expect(leave.reason == .connectionLost)
    }
}

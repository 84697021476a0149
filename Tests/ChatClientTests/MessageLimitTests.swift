import ChatClient
import ChatModel
import ChatProtocol
import ChatServer
import ChatTestSupport
import Testing

/// chat-client learns the limit from the welcome and keeps a message over it to itself.
@Suite struct ClientMessageLimitTests {
    @Test func aMessageOverTheServersLimitIsRefusedLocallyAndOneAtItIsSentWhole() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var configuration = ServerConfiguration.testing(database: dir.file("chat.sqlite"))
        configuration.maxMessageBytes = 100
        try await withServer(configuration) { server in
            let alice = SessionHarness(port: server.port, name: "alice")
            try await alice.waitFor("alice's welcome") {
                if case .joined(let welcome, _, _) = $0 { return welcome.maxMessageBytes == 100 }
                return false
            }
            alice.send(.say(String(repeating: "x", count: 101)))
            alice.send(.me(String(repeating: "x", count: 101)))
            let atTheLimit = String(repeating: #"\""#, count: 50)
            alice.send(.say(atTheLimit))
            try await alice.waitForMessage(atTheLimit)
            let refusal = "your message is 101 bytes, over the server's limit of 100; it was not sent"
            #expect(alice.outputs.filter { $0 == .info(refusal) }.count == 2)
            #expect(!alice.outputs.contains { if case .serverError = $0 { true } else { false } })
            #expect(try await alice.quit() == .quit)
        }
    }
}

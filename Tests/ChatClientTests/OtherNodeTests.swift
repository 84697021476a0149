import ChatTestSupport
import Foundation
import Testing

/// `--other-node`: a client given several nodes of one chat connects to the next when one is gone.
/// (The nodes here are two SQLite servers; `ClientFailoverTests` resumes across PostgreSQL nodes.)
@Suite(.serialized)
struct OtherNodeTests {
    @Test("the first address has nothing listening: the client joins the other node, and says where")
    func firstAddressDown() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("b.sqlite")) { b in
            let client = try ClientProcess([
                "--port", "\(try unusedPort())", "--other-node", "127.0.0.1:\(b.port)", "--name", "piper",
                "--connect-timeout", "1",
            ])
            try await client.output.waitFor("the welcome of the other node") { $0.contains("piper joined the chat\n") }
            try await talk(port: b.port, as: "bob", ["found you"])
            try await client.output.waitFor("bob's message") { $0.contains("bob: found you\n") }
            try client.closeInput()
            #expect(try await client.exitStatus() == 0)
            #expect((client.output.text + client.errors.text).contains("connected to 127.0.0.1:\(b.port)"))
        }
    }

    @Test("the node stops: the client reconnects to the other one and chats there")
    func nodeGoesAway() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("b.sqlite")) { b in
            let a = try await RunningServer(database: dir.file("a.sqlite"))
            let client = try ClientProcess([
                "--port", "\(a.port)", "--other-node", "127.0.0.1:\(b.port)", "--name", "piper",
            ])
            try await client.output.waitFor("the welcome of the first node") { $0.contains("piper joined the chat\n") }
            try await a.stop()
            try await client.output.waitFor("the move to the other node") {
                $0.contains("connected to 127.0.0.1:\(b.port)")
            }
            try client.type("hello from the other node")
            try await talk(port: b.port, as: "bob", ["welcome over"])
            try await client.output.waitFor("bob's message") { $0.contains("bob: welcome over\n") }
            try client.closeInput()
            #expect(try await client.exitStatus() == 0)
            #expect(try recordedEvents(dir.file("b.sqlite")).contains { $0.text == "hello from the other node" })
        }
    }

    @Test("--other-node takes HOST:PORT only, and not with --serve")
    func badOtherNode() async throws {
        for arguments in [
            ["--other-node", "localhost"], ["--other-node", "h:99999"], ["--serve", "--other-node", "h:1"],
        ] {
            let client = try ClientProcess(arguments + ["--name", "x"])
            try client.closeInput()
            #expect(try await client.exitStatus() == 64)
            #expect(client.errors.text.contains("--other-node"), "\(arguments): \(client.errors.text)")
        }
    }
}

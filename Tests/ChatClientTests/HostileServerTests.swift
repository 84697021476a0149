import ChatClient
import ChatProtocol
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// The client against a hostile or broken server: bounded memory, bounded waits, plain words.
@Suite("chat-client against a hostile server", .timeLimit(.minutes(2)))
struct HostileServerTests {
    @Test("a server that streams lines and never welcomes: the client keeps none of it and gives up, in plain words")
    func endlessLines() async throws {
        // At most 64 MiB, so that a client that never gives up fails the test without eating the machine.
        let line = String(repeating: "la ", count: 1000)
        let server = try HostileServer { connection in
            while connection.server.bytesSent < 64 << 20, connection.send(line) {}
            connection.drain()
        }
        defer { server.stop() }
        let alice = SessionHarness(port: server.port, name: "alice") { $0.welcomeTimeout = 60 }
        defer { alice.cancel() }
        let start = ContinuousClock.now
        await #expect {
            _ = try await alice.ended(within: 20)
        } throws: { error in
            "\(error)" == "127.0.0.1:\(server.port) sent 100 lines but no welcome: is it a chatroom server?"
        }
        #expect(ContinuousClock.now - start < .seconds(20))
        // It stopped reading after its limit: far less than the 64 MiB on offer went out.
        #expect(server.bytesSent < 16 << 20, "\(server.bytesSent) bytes sent")
        #expect(server.connections == 1, "not a chatroom server: no point in trying again")
    }

    @Test("a server that accepts and never answers: the welcome timeout, in plain words, then a reconnection")
    func silentServer() async throws {
        let server = try HostileServer { connection in connection.drain() }
        defer { server.stop() }
        let start = ContinuousClock.now
        let alice = SessionHarness(port: server.port, name: "alice") { $0.welcomeTimeout = 0.5 }
        defer { alice.cancel() }
        let expected = "127.0.0.1:\(server.port) accepted the connection but sent no welcome within 0.5 s"
        try await alice.waitFor(within: 10, "the welcome timeout") {
            if case .reconnecting(_, _, let failure) = $0 { return failure == expected }
            return false
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        try await eventually(within: 10, "a second attempt") { server.connections >= 2 }
        // Once it is retrying, a refused attempt is one more failure to retry, not the end.
        server.stop()
        try await alice.waitFor(within: 10, "a refused attempt, retried") {
            if case .reconnecting(_, _, let failure?) = $0 { return failure.hasPrefix("connection refused: ") }
            return false
        }
    }

    @Test("a server that never answers, with --no-reconnect: the timeout is shown and the session ends as lost")
    func silentServerNoReconnect() async throws {
        let server = try HostileServer { connection in connection.drain() }
        defer { server.stop() }
        let alice = SessionHarness(port: server.port, name: "alice") {
            $0.welcomeTimeout = 0.5
            $0.reconnect = false
        }
        defer { alice.cancel() }
        #expect(try await alice.ended(within: 10) == .connectionLost)
        #expect(
            alice.outputs.contains(
                .disconnected(
                    reason: "127.0.0.1:\(server.port) accepted the connection but sent no welcome within 0.5 s")))
        #expect(server.connections == 1)
    }

    @Test(
        "an event id of Int64.max, a negative one, a replay: later events are still shown, and resume goes on from them"
    )
    func badEventIDs() async throws {
        let server = try HostileServer { connection in
            guard connection.readFirstLine() != nil else { return }
            connection.welcome(name: "alice")
            guard connection.server.connections == 1 else { return connection.readUntilQuit() }
            for (id, text) in [(1, "one"), (2, "two"), (.max, "max"), (-7, "negative"), (3, "three"), (2, "two again")]
            {
                connection.event(id: Int64(id), text: text)
            }
            connection.event(id: 4, text: "four")
            // Then the connection is lost: the client comes back, resuming after 4.
        }
        defer { server.stop() }
        let alice = SessionHarness(port: server.port, name: "alice")
        defer { alice.cancel() }
        try await alice.waitForMessage("four", within: 10)
        #expect(alice.shownTexts == ["one", "two", "max", "negative", "three", "four"])
        try await eventually(within: 10, "the resuming hello") { server.firstLines.count == 2 }
        #expect(server.firstLines[1].contains(#""resume_after":4"#), "\(server.firstLines)")
        let warnings = alice.outputs.compactMap { output -> String? in
            if case .info(let text) = output, text.hasPrefix("warning: ") { return text }
            return nil
        }
        #expect(
            warnings == [
                "warning: an event with an implausible id (9223372036854775807, after 2) from the server: "
                    + "shown, but not used to resume",
                "warning: an event with an impossible id (-7) from the server: shown, but not used to resume",
            ])
        #expect(try await alice.quit() == .quit)
    }

    @Test("chat-client against a server that streams lines and never welcomes: one plain line, status 1")
    func endlessLinesProcess() async throws {
        let line = String(repeating: "la ", count: 1000)
        let server = try HostileServer { connection in
            while connection.server.bytesSent < 64 << 20, connection.send(line) {}
            connection.drain()
        }
        defer { server.stop() }
        let client = try ClientProcess(["--port", "\(server.port)", "--name", "x"])
        #expect(try await client.exitStatus(within: 20) == 1)
        #expect(
            client.errors.text
                == "chat-client: 127.0.0.1:\(server.port) sent 100 lines but no welcome: is it a chatroom server?\n")
        #expect(client.output.text.isEmpty)
        #expect(server.bytesSent < 16 << 20, "\(server.bytesSent) bytes sent")
        try? client.closeInput()
    }

    @Test("chat-client --welcome-timeout against a server that never answers, --no-reconnect: status 1, in plain words")
    func silentServerProcess() async throws {
        let server = try HostileServer { connection in connection.drain() }
        defer { server.stop() }
        let start = ContinuousClock.now
        let client = try ClientProcess([
            "--port", "\(server.port)", "--name", "x", "--welcome-timeout", "0.5", "--no-reconnect",
        ])
        #expect(try await client.exitStatus(within: 10) == 1)
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(
            client.output.text
                == "*** disconnected: 127.0.0.1:\(server.port) accepted the connection but sent no welcome within 0.5 s\n"
        )
        #expect(client.errors.text == "chat-client: lost the connection to 127.0.0.1:\(server.port)\n")
        try? client.closeInput()
    }

    /// How the fake server loses the connection.
    enum Loss: String, CaseIterable, Sendable {
        /// Welcome, history end, an event, then a close.
        case close
        /// Welcome, no history end (the client is not live yet), then a close while a line waits.
        case closeBeforeLive
        /// Welcome, history end, an event, then a reset (RST).
        case reset
    }

    @Test(
        "--no-reconnect in pipe mode: the connection is lost while standard input stays open: status 1, in plain words",
        arguments: Loss.allCases)
    func noReconnectPipe(loss: Loss) async throws {
        let server = try HostileServer { connection in
            guard connection.readFirstLine() != nil else { return }
            connection.send("Welcome to chatroom! Type your name and press Enter:")
            connection.send(#"{"type":"welcome","protocol":1,"name":"piper","session":1,"server":"x","room":"main"}"#)
            if loss != .closeBeforeLive { connection.send(#"{"type":"history_end"}"#) }
            connection.event(id: 1, text: "bye now")
            if loss == .reset { connection.reset() }
        }
        defer { server.stop() }
        let client = try ClientProcess(["--port", "\(server.port)", "--name", "piper", "--no-reconnect"])
        try client.type("a line that waits")
        try await client.output.waitFor("the event") { $0.contains("mallory: bye now\n") }
        #expect(try await client.exitStatus(within: 10) == 1)
        #expect(client.output.text.contains("*** disconnected: "))
        #expect(client.errors.text == "chat-client: lost the connection to 127.0.0.1:\(server.port)\n")
        try? client.closeInput()
    }

    @Test("network errors in plain words, never NIO's text")
    func errorWording() async throws {
        #expect(ErrorWording.describe(errno: ECONNRESET) == "connection reset by the server")
        #expect(ErrorWording.describe(errno: EPIPE) == "the server closed the connection")
        #expect(ErrorWording.describe(errno: ETIMEDOUT) == "timed out")
        #expect(ErrorWording.describe(errno: EHOSTUNREACH) == "host unreachable")
        #expect(ErrorWording.describe(errno: EACCES) == "permission denied (errno 13)")
        // A real reset, as NIO reports it (`read(descriptor:pointer:size:): Connection reset by peer ...`).
        let server = try HostileServer { connection in
            guard connection.readFirstLine() != nil else { return }
            connection.welcome(name: "alice")
            connection.event(id: 1, text: "bye")
            // Once the client has answered (so it has read everything), a reset.
            _ = connection.readFirstLine()
            connection.reset()
        }
        defer { server.stop() }
        let alice = SessionHarness(port: server.port, name: "alice") { $0.reconnect = false }
        defer { alice.cancel() }
        try await alice.waitForMessage("bye")
        alice.send(.say("got it"))
        #expect(try await alice.ended() == .connectionLost)
        #expect(alice.outputs.contains(.disconnected(reason: "connection reset by the server")), "\(alice.outputs)")
        // A real refusal, through NIO's connection errors.
        let port = try unusedPort()
        await #expect {
            try await ChatConnection.withConnection(host: "127.0.0.1", port: port, name: "x") { _ in }
        } throws: { error in
            ClientSession.describe(error) == "connection refused: is chat-server running on 127.0.0.1:\(port)?"
        }
        // A real failed lookup (.invalid never resolves, RFC 6761).
        await #expect {
            try await ChatConnection.withConnection(host: "nowhere.invalid", port: 7070, name: "x") { _ in }
        } throws: { error in
            ClientSession.describe(error) == "cannot resolve host nowhere.invalid"
        }
    }
}

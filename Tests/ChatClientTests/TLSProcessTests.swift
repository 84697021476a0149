import ChatProtocol
import ChatTestSupport
import Foundation
import Testing

/// TLS with real processes: `chat-server --tls-port`, `chat-client --tls --tls-ca`,
/// `openssl s_client`, and SIGHUP reloading the certificate.
@Suite("TLS processes", .timeLimit(.minutes(2)))
struct TLSProcessTests {
    /// `chat-server` on 127.0.0.1 ports 0 serving `certificates` from `server.pem`/`server.key` in `dir`.
    func startServer(_ dir: TemporaryDirectory, _ certificates: TestCertificates) throws -> ServerProcess {
        let (certificate, key) = (dir.file("server.pem"), dir.file("server.key"))
        try certificates.install(over: certificate, keyPath: key)
        return try ServerProcess(
            database: dir.file("chat.sqlite"),
            arguments: ["--tls-port", "0", "--tls-cert", certificate, "--tls-key", key])
    }

    /// Says hello over TLS trusting `caFile` only; the name given.
    func hello(port: Int, name: String, caFile: String) async throws -> String {
        try await ChatConnection.withConnection(
            host: "127.0.0.1", port: port, name: name, tls: try ClientTLS(caFile: caFile)
        ) { chat in
            let name = chat.welcome.name
            try await chat.quit()
            return name
        }
    }

    @Test("chat-client --tls --tls-ca joins over TLS and chats with a plain-port member, both ways")
    func clientOverTLS() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try await TestCertificates(in: dir.path)
        let server = try startServer(dir, certificates)
        let tlsPort = try #require(server.tlsPort)
        let bob = try await TestClient.join(port: server.port, as: "bob")
        let alice = try ClientProcess(
            ["--tls", "--tls-ca", certificates.caPath, "--port", "\(tlsPort)", "--name", "alice"])
        try await bob.expect { $0 == "alice joined the chat" }
        try alice.type("hello bob, over TLS")
        try await bob.expect { $0 == "alice: hello bob, over TLS" }
        try await bob.send("hi alice")
        try await alice.output.waitFor("bob's message") { $0.contains("bob: hi alice\n") }
        try alice.closeInput()
        #expect(try await alice.exitStatus() == 0)
        try await bob.expect { $0 == "alice left the chat" }
        await bob.close()
        #expect(server.log.contains("connected (TLS)"))
        #expect(try await server.stop() == 0)
    }

    @Test("chat-client --tls without the CA: the clear error, exit 1, its name never sent")
    func untrusted() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try await TestCertificates(in: dir.path)
        let server = try startServer(dir, certificates)
        let tlsPort = try #require(server.tlsPort)
        let mallory = try ClientProcess(["--tls", "--port", "\(tlsPort)", "--name", "mallory"])
        #expect(try await mallory.exitStatus() == 1)
        #expect(
            mallory.errors.text
                == "chat-client: TLS: the server's certificate is not trusted (not signed by the system's roots); give its CA with --tls-ca FILE\n"
        )
        // A later member's join is committed after anything mallory could have caused.
        let bob = try await TestClient.join(port: server.port, as: "bob")
        await bob.close()
        #expect(!(try recordedEvents(dir.file("chat.sqlite"))).contains { $0.user.hasPrefix("mallory") })
        #expect(!server.log.contains("mallory"))
        #expect(try await server.stop() == 0)
    }

    @Test("SIGHUP reloads the certificate: a client trusting only the new CA connects, one trusting the old does not")
    func sighupReload() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = try await TestCertificates(in: dir.path, name: "a")
        let b = try await TestCertificates(in: dir.path, name: "b")
        let server = try startServer(dir, a)
        let tlsPort = try #require(server.tlsPort)
        #expect(try await hello(port: tlsPort, name: "ann", caFile: a.caPath) == "ann")
        try b.install(over: dir.file("server.pem"), keyPath: dir.file("server.key"))
        kill(server.pid, SIGHUP)
        try await eventually("the reload in the log: \(server.log)") { server.log.contains("certificate reloaded") }
        #expect(try await hello(port: tlsPort, name: "ben", caFile: b.caPath) == "ben")
        await #expect(throws: ConnectionError.self) {
            _ = try await hello(port: tlsPort, name: "ann", caFile: a.caPath)
        }
        // A broken file: logged, the current certificate kept.
        try "not a certificate".write(toFile: dir.file("server.pem"), atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        try await eventually("the failed reload in the log: \(server.log)") {
            server.log.contains("still serving the previous certificate")
        }
        #expect(try await hello(port: tlsPort, name: "ben", caFile: b.caPath) == "ben")
        #expect(server.isRunning)
        #expect(try await server.stop() == 0)
    }

    @Test("openssl s_client -quiet is the nc of the TLS port: a name, the welcome, a message stored")
    func opensslClient() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try await TestCertificates(in: dir.path)
        let server = try startServer(dir, certificates)
        let tlsPort = try #require(server.tlsPort)
        let openssl = try #require(findExecutable("openssl"), "openssl is not installed (apt-get install openssl)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = ["s_client", "-quiet", "-connect", "127.0.0.1:\(tlsPort)"]
        let (input, output, errors) = (Pipe(), Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let screen = ByteCollector(descriptor: output.fileHandleForReading.fileDescriptor)
        let type = { (line: String) in try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8)) }
        try await screen.waitFor("the greeting") { $0.contains("Type your name") }
        try type("sam")
        try await screen.waitFor("the welcome") { $0.contains("Hello sam!") }
        try type("typed into s_client")
        try await screen.waitFor("sam's message") { $0.contains("sam: typed into s_client\n") }
        try type("{quit}")
        try await screen.waitFor("goodbye") { $0.contains("Goodbye!") }
        try await eventually("s_client to exit") { !process.isRunning }
        let events = try recordedEvents(dir.file("chat.sqlite"))
        #expect(events.contains { $0.user == "sam" && $0.text == "typed into s_client" })
        #expect(try await server.stop() == 0)
    }
}

import ChatModel
import ChatProtocol
import ChatServer
import ChatTestSupport
import Foundation
import Testing

/// The TLS listener, in process: a NIOSSL client in the test, certificates made by `openssl`.
@Suite("TLS listener", .timeLimit(.minutes(1)))
struct TLSTests {
    /// A server on 127.0.0.1 with a plain port and a TLS port serving `certificates` (copied to
    /// `server.pem` and `server.key`, the files a reload reads).
    func withTLSServer<T: Sendable>(
        _ dir: TemporaryDirectory, _ certificates: TestCertificates,
        handshakeTimeout: Double? = nil, maxClients: Int? = nil,
        _ body: @Sendable (ChatServer, Int) async throws -> T
    ) async throws -> T {
        let (certificate, key) = (dir.file("server.pem"), dir.file("server.key"))
        try certificates.install(over: certificate, keyPath: key)
        var configuration = ServerConfiguration.testing(database: dir.file("chat.sqlite"))
        configuration.tls = TLSSettings(port: 0, certificatePath: certificate, keyPath: key)
        if let handshakeTimeout { configuration.tls?.handshakeTimeoutSeconds = handshakeTimeout }
        if let maxClients { configuration.maxClients = maxClients }
        return try await withServer(configuration) { server in
            let tlsPort = try #require(server.tlsPort)
            #expect(tlsPort != server.port && tlsPort > 0)
            return try await body(server, tlsPort)
        }
    }

    /// Says hello over TLS trusting `caFile` (nil: the system's roots) and returns the welcome's name.
    func hello(port: Int, name: String, caFile: String?, host: String = "127.0.0.1") async throws -> String {
        try await ChatConnection.withConnection(
            host: host, port: port, name: name, tls: try ClientTLS(caFile: caFile)
        ) { chat in
            let name = chat.welcome.name
            try await chat.quit()
            return name
        }
    }

    @Test("the plain and JSON doors over TLS (127.0.0.1 verified against the IP SAN), with a plain-port member")
    func bothDoors() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try await TestCertificates(in: dir.path)
        try await withTLSServer(dir, certificates) { server, tlsPort in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            let carol = try await TestClient.connect(port: tlsPort, tls: try certificates.clientContext())
            try await carol.expect { $0.hasPrefix("Welcome to chatroom!") }
            try await carol.send("carol")
            try await carol.expect { $0.hasPrefix("Hello carol!") }
            try await bob.expect { $0 == "carol joined the chat" }
            try await ChatConnection.withConnection(
                host: "127.0.0.1", port: tlsPort, name: "dave", tls: try ClientTLS(caFile: certificates.caPath)
            ) { chat in
                #expect(chat.welcome.name == "dave")
                try await chat.send(.say("hello over TLS"))
                try await bob.expect { $0 == "dave: hello over TLS" }
                try await carol.expect { $0 == "dave: hello over TLS" }
                try await bob.send("hi dave")
                while let message = try await chat.next() {
                    if case .event(let event, history: false) = message, event.text == "hi dave" { break }
                }
                try await chat.quit()
            }
            try await carol.send("bye from carol")
            try await bob.expect { $0 == "carol: bye from carol" }
            await carol.close()
            await bob.close()
        }
        let events = try recordedEvents(dir.file("chat.sqlite"))
        #expect(events.contains { $0.user == "dave" && $0.text == "hello over TLS" })
    }

    @Test("a certificate the client does not trust: a clear error, and the client never says its name")
    func untrusted() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try await TestCertificates(in: dir.path)
        let other = try await TestCertificates(in: dir.path, name: "other")
        try await withTLSServer(dir, certificates) { server, tlsPort in
            for caFile in [nil, other.caPath] {
                let error = await #expect(throws: ConnectionError.self) {
                    _ = try await hello(port: tlsPort, name: "mallory", caFile: caFile)
                }
                let words = error.map(String.init(describing:)) ?? ""
                #expect(words.hasPrefix("TLS: the server's certificate is not trusted"), "\(words)")
                #expect(words.contains(caFile == nil ? "give its CA with --tls-ca FILE" : other.caPath), "\(words)")
            }
            // Verified by name too (DNS:localhost), and refused for a name it does not list.
            let lou = try await hello(port: tlsPort, name: "lou", caFile: certificates.caPath, host: "localhost")
            #expect(lou == "lou")
            let plain = await #expect(throws: ConnectionError.self) {
                _ = try await hello(port: server.port, name: "mallory", caFile: certificates.caPath)
            }
            #expect(
                "\(plain.map(String.init(describing:)) ?? "")".contains("does not speak TLS"),
                "\(String(describing: plain))")
        }
        #expect(!(try recordedEvents(dir.file("chat.sqlite"))).contains { $0.user.hasPrefix("mallory") })
    }

    @Test("plain text on the TLS port is told and dropped; TLS clients are unaffected")
    func plainTextOnTLSPort() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try await TestCertificates(in: dir.path)
        try await withTLSServer(dir, certificates) { server, tlsPort in
            let nc = try await TestClient.connect(port: tlsPort)
            try await nc.send("alice")
            let seen = try await nc.expectClosed()
            #expect(seen.count == 1 && seen.first?.hasPrefix("error: this port speaks TLS") == true, "\(seen)")
            let carol = try await TestClient.connect(port: tlsPort, tls: try certificates.clientContext())
            try await carol.send("carol")
            try await carol.expect { $0.hasPrefix("Hello carol!") }
            await carol.close()
        }
    }

    @Test("a connection that never completes its handshake is closed after the handshake timeout")
    func handshakeTimeout() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try await TestCertificates(in: dir.path)
        try await withTLSServer(dir, certificates, handshakeTimeout: 0.3) { server, tlsPort in
            let silent = try await TestClient.connect(port: tlsPort)
            let started = Date()
            try await silent.expectClosed(within: 5)
            #expect(Date().timeIntervalSince(started) < 4)
            #expect(try await hello(port: tlsPort, name: "erin", caFile: certificates.caPath) == "erin")
        }
    }

    @Test("admission limits count TLS connections too; the refusal is said over TLS")
    func admission() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try await TestCertificates(in: dir.path)
        try await withTLSServer(dir, certificates, maxClients: 1) { server, tlsPort in
            let carol = try await TestClient.connect(port: tlsPort, tls: try certificates.clientContext())
            try await carol.send("carol")
            try await carol.expect { $0.hasPrefix("Hello carol!") }
            let late = try await TestClient.connect(port: tlsPort, tls: try certificates.clientContext())
            let said = try await late.expectClosed()
            #expect(said.contains { $0.hasPrefix("Sorry") }, "\(said)")
            let plain = try await TestClient.connect(port: server.port)
            #expect(try await plain.expectClosed().contains { $0.hasPrefix("Sorry") })
            await carol.close()
        }
    }

    @Test("reloadCertificates: new connections get the new certificate; a bad file keeps the current one")
    func reload() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = try await TestCertificates(in: dir.path, name: "a")
        let b = try await TestCertificates(in: dir.path, name: "b")
        try await withTLSServer(dir, a) { server, tlsPort in
            let early = try await TestClient.connect(port: tlsPort, tls: try a.clientContext())
            try await early.send("early")
            try await early.expect { $0.hasPrefix("Hello early!") }
            #expect(try await hello(port: tlsPort, name: "ann", caFile: a.caPath) == "ann")
            try b.install(over: dir.file("server.pem"), keyPath: dir.file("server.key"))
            try server.reloadCertificates()
            #expect(try await hello(port: tlsPort, name: "ben", caFile: b.caPath) == "ben")
            await #expect(throws: ConnectionError.self) {
                _ = try await hello(port: tlsPort, name: "ann", caFile: a.caPath)
            }
            // A connection made before the reload goes on.
            try await early.send("still here")
            try await early.expect { $0 == "early: still here" }
            try "not a key".write(toFile: dir.file("server.key"), atomically: true, encoding: .utf8)
            #expect(throws: ServerError.self) { try server.reloadCertificates() }
            #expect(try await hello(port: tlsPort, name: "ben", caFile: b.caPath) == "ben")
            await early.close()
        }
    }
}

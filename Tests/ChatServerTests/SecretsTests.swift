import ChatModel
import ChatProtocol
import ChatTestSupport
import Foundation
import Testing

/// Passwords and invite tokens never reach the database, its WAL or the log: a server process
/// at trace level sees logins (right and wrong), a registration and an invite, then every byte it
/// wrote is searched.
@Suite("Secrets stay secret", .timeLimit(.minutes(2)))
struct SecretsTests {
    @Test("passwords and tokens are absent from the database, the WAL and a trace-level log")
    func secretsNowhere() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        let (right, wrong, registered) = ("Secret-Right-7f3a", "Secret-Wrong-91bc", "Secret-Registered-c04d")
        try addAccount("alice", password: right, database: database)
        let server = try ServerProcess(
            database: database, arguments: ["--log-level", "trace", "--registration", "open"])
        let alice = try await TestClient.connect(port: server.port)
        try await alice.send("alice")
        try await alice.expect { $0.hasPrefix("alice is a registered name") }
        try await alice.send(wrong)
        try await alice.expect { $0.hasPrefix("error: wrong password") }
        try await alice.send("alice")
        try await alice.expect { $0.hasPrefix("alice is a registered name") }
        try await alice.send(right)
        try await alice.expect { $0.hasPrefix("Hello alice!") }
        let bob = try await TestClient.connect(port: server.port)
        try await bob.send(ClientMessage.hello(name: "bob").json)
        try await bob.expect { $0.contains(#""type":"welcome""#) }
        try await bob.send(ClientMessage.register(password: registered).json)
        try await bob.expect { $0.contains(#""type":"registered""#) }
        try await alice.send("hello bob")
        try await bob.expect { $0.contains("hello bob") }
        // While it runs, the WAL holds the latest writes.
        let files = [database, database + "-wal"]
        var written = files.map { FileManager.default.contents(atPath: $0) ?? Data() }
        _ = try await server.stop()
        written += files.map { FileManager.default.contents(atPath: $0) ?? Data() }
        written.append(Data(server.log.utf8))
        #expect(server.log.contains("wrong password for alice"), "the failure is logged, by name")
        for secret in [right, wrong, registered] {
            for (index, bytes) in written.enumerated() {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) found in file \(index)")
            }
        }
    }
}

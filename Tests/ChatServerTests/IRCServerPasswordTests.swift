import ChatModel
import ChatProtocol
import ChatServer
import ChatTestSupport
import Foundation
import Testing

/// The IRC door's server password (`--irc-password-file`), on real sockets: `PASS` before
/// registration lets a client in, a missing or wrong one is `464` and `ERROR`, and an account
/// then logs in with SASL PLAIN.
@Suite("IRC server password", .timeLimit(.minutes(1)))
struct IRCServerPasswordTests {
    static let password = "door secret"

    /// A server whose IRC door has `password`, with the account dana.
    func withPasswordServer(_ body: @Sendable (IRCTestServer) async throws -> Void) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        try addAccount("dana", password: "long-enough-password", database: database)
        try await withIRCServer(database: database, { $0.ircPassword = Self.password }, body)
    }

    @Test("the right PASS lets a client in; none or a wrong one is 464, ERROR and the connection closed")
    func passOrClose() async throws {
        try await withPasswordServer { server in
            let right = try await server.register("alice", password: ":" + Self.password)
            try await right.join("#dev")

            for pass in [nil, "door", "door secretx"] {
                let client = try await server.connect()
                if let pass { try await client.send("PASS :\(pass)") }
                try await client.send("NICK bob")
                try await client.send("USER bob 0 * :Bob")
                let rest = try await client.expectClosed()
                #expect(rest.map(\.command) == ["464", "ERROR"], "\(pass ?? "none")")
            }
        }
    }

    @Test("with a server password an account logs in with SASL PLAIN; its name stays the account's")
    func saslAfterPass() async throws {
        try await withPasswordServer { server in
            let client = try await server.connect()
            try await client.send("CAP LS 302")
            try await client.send("PASS :" + Self.password)
            try await client.send("NICK dana")
            try await client.send("USER dana 0 * :Dana")
            try await client.send("CAP REQ :sasl")
            try await client.expect { $0.command == "CAP" && $0.parameters.dropFirst().first == "ACK" }
            try await client.send("AUTHENTICATE PLAIN")
            try await client.expect { $0.command == "AUTHENTICATE" }
            try await client.send(
                "AUTHENTICATE " + SASLPlain(account: "dana", password: "long-enough-password").base64)
            try await client.expect { $0.command == "903" }
            try await client.send("CAP END")
            let welcome = try await client.expect { $0.command == "001" }
            #expect(welcome.parameters.first == "dana")

            // Without SASL, the account's name is not to be had, whatever PASS says.
            let other = try await server.connect()
            try await other.send("PASS :" + Self.password)
            try await other.send("NICK dana")
            try await other.send("USER dana 0 * :Dana")
            let refused = try await other.expect { $0.command != "NOTICE" }
            #expect(refused.command != "001", "\(refused)")
        }
    }
}

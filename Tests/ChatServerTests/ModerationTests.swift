import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// Operators kick, ban and mute; each act is an event (who did what to whom) committed before it
/// takes effect, and each is enforced: a kicked member is out, a banned name or address stays
/// out, a muted member's messages are refused.
@Suite("Moderation: kick, ban, mute", .timeLimit(.minutes(2)))
struct ModerationTests {
    static let password = "operator password"

    /// Runs a server whose `op` account is an operator; `body` gets the server and op, joined.
    func withOperator(_ body: @Sendable (ChatServer, TestClient, String) async throws -> Void) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        try addAccount("op", password: Self.password, role: .operator, database: database)
        try await withServer(database: database) { server in
            let op = try await TestClient.connect(port: server.port)
            try await op.send("op")
            try await op.expect { $0.hasPrefix("op is a registered name") }
            try await op.send(Self.password)
            try await op.expect { $0.hasPrefix("Hello op!") }
            try await body(server, op, database)
        }
    }

    @Test("/kick: the member is told who and why, closed, its leave says kicked; the act is an event")
    func kick() async throws {
        try await withOperator { server, op, database in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await op.send("/kick bob flooding the room")
            try await op.expect { $0.hasSuffix("op put bob out: flooding the room") }
            let lines = try await bob.expectClosed()
            #expect(lines.contains("*** op put you out of this server (flooding the room). Goodbye!"), "\(lines)")
            try await op.expect { $0.hasSuffix("bob left the chat (kicked)") }
            let events = try recordedEvents(database)
            let act = try #require(events.first { $0.kind == .kick })
            #expect(act.user == "op" && act.target == "bob" && act.text == "flooding the room")
            let leave = try #require(events.last { $0.kind == .leave && $0.user == "bob" })
            #expect(leave.reason == .kicked && leave.id > act.id)
        }
    }

    @Test("only operators: a member's /kick is refused, and nothing is recorded")
    func notOperator() async throws {
        try await withOperator { server, op, database in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await bob.send("/kick op")
            try await bob.expect { $0 == "error: only operators may do that." }
            try await bob.send("/ban op")
            try await bob.expect { $0 == "error: only operators may do that." }
            #expect(try recordedEvents(database).allSatisfy { !$0.kind.isModeration })
        }
    }

    @Test("/ban NAME: out at once, refused at the next hello in both doors, back after /unban")
    func banName() async throws {
        try await withOperator { server, op, database in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await op.send("/ban bob 2h spam")
            try await op.expect { $0.hasSuffix("op banned bob: for 2h, spam") }
            let lines = try await bob.expectClosed()
            #expect(lines.contains { $0.hasPrefix("*** op banned you from this server") }, "\(lines)")
            let again = try await TestClient.connect(port: server.port)
            try await again.send("BOB")
            let refused = try await again.expectClosed()
            #expect(refused.contains { $0.hasPrefix("*** You are banned from this server until ") }, "\(refused)")
            let json = try await TestClient.connect(port: server.port)
            try await json.send(ClientMessage.hello(name: "bob").json)
            try await json.expect { $0.contains(#""code":"banned""#) }
            try await op.send("/unban bob")
            try await op.expect { $0.hasSuffix("op lifted the ban on bob") }
            _ = try await TestClient.join(port: server.port, as: "bob")
            let kinds = try recordedEvents(database).filter(\.kind.isModeration).map(\.kind)
            #expect(kinds == [.ban, .unban])
        }
    }

    @Test("/ban ADDRESS: every connection from it is put out, and new ones are refused at connect")
    func banAddress() async throws {
        try await withOperator { server, op, _ in
            let bob = try await TestClient.connect(port: server.port, from: "127.0.0.2")
            try await bob.send("bob")
            try await bob.expect { $0.hasPrefix("Hello bob!") }
            let carol = try await TestClient.join(port: server.port, as: "carol")
            try await op.send("/ban 127.0.0.2 1d")
            _ = try await bob.expectClosed()
            let again = try await TestClient.connect(port: server.port, from: "127.0.0.2")
            let refused = try await again.expectClosed()
            #expect(refused.contains { $0.hasPrefix("*** You are banned from this server until ") }, "\(refused)")
            // Others, from another address, chat on.
            try await carol.send("still here")
            try await op.expect { $0.hasSuffix("carol: still here") }
        }
    }

    @Test("/mute: messages refused with the reason, the member stays; /unmute gives the voice back")
    func mute() async throws {
        try await withOperator { server, op, database in
            let bob = try await TestClient.join(port: server.port, as: "bob")
            try await op.send("/mute bob 30m calm down")
            try await bob.expect { $0.hasSuffix("op muted bob: for 30m, calm down") }
            try await bob.send("hello?")
            try await bob.expect {
                $0.hasPrefix("error: you are muted until ") && $0.hasSuffix("(calm down); nothing was sent.")
            }
            try await bob.send("/me shouts")
            try await bob.expect { $0.hasPrefix("error: you are muted until ") }
            try await op.send("/unmute bob")
            try await bob.expect { $0.hasSuffix("op gave bob their voice back") }
            try await bob.send("thanks")
            try await op.expect { $0.hasSuffix("bob: thanks") }
            let said = try recordedEvents(database).filter { $0.kind == .message }.map(\.text)
            #expect(said == ["thanks"])
        }
    }

    @Test("JSON door: kick by message; the kicked client gets a kicked error and the end")
    func jsonKick() async throws {
        try await withOperator { server, op, _ in
            let bob = try await TestClient.connect(port: server.port)
            try await bob.send(ClientMessage.hello(name: "bob").json)
            try await bob.expect { $0.contains(#""type":"welcome""#) }
            try await op.send("/kick bob")
            let lines = try await bob.expectClosed()
            #expect(lines.contains { $0.contains(#""code":"kicked""#) }, "\(lines)")
            #expect(lines.contains { $0.contains(#""kind":"kick""#) && $0.contains(#""target":"bob""#) }, "\(lines)")
        }
    }
}

import ChatModel
import ChatProtocol
import ChatServer
import ChatStorePostgres
import ChatTestSupport
import Testing

/// The doors on PostgreSQL nodes, unchanged: the web window and IRC clients on two nodes.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct DoorsAcrossNodesTests {
    @Test("the web window on one node, IRC clients on both: messages, client tags and TAGMSG cross nodes")
    func webAndIRCAcrossNodes() async throws {
        let address = try await freshDatabase()
        let (a, b) = (try await webAndIRCNode(address), try await webAndIRCNode(address))
        try await withNodes([a, b]) {
            let ian = try await ircMember(port: try #require(b.server.ircPort), as: "ian")
            let ida = try await ircMember(port: try #require(a.server.ircPort), as: "ida")
            let wendy = try await WebSocketTestClient.join(port: try #require(a.server.httpPort), as: "wendy")
            try await ian.expect { $0.command == "JOIN" && $0.source?.hasPrefix("wendy!") == true }

            try await wendy.send(.say("hello from the web"))
            let fromWeb = try await ian.expect { $0.command == "PRIVMSG" }
            #expect(fromWeb.source?.hasPrefix("wendy!") == true)
            #expect(fromWeb.parameters == ["#main", "hello from the web"])

            try await ian.send("@+draft/reply=1 PRIVMSG #main :hello from IRC")
            let tagged = try await ida.expect { $0.command == "PRIVMSG" && $0.source?.hasPrefix("ian!") == true }
            #expect(tagged.parameters == ["#main", "hello from IRC"] && tagged.tag("+draft/reply") == "1")
            while true {
                guard case .event(let event, history: false) = try await wendy.nextMessage() else { continue }
                if event.kind == .message && event.user == "ian" {
                    #expect(event.text == "hello from IRC")
                    break
                }
            }

            try await ida.send("@+typing=active TAGMSG #main")
            let typing = try await ian.expect { $0.command == "TAGMSG" }
            #expect(typing.source?.hasPrefix("ida!") == true && typing.tag("+typing") == "active")
        }
    }

    private func webAndIRCNode(_ address: PostgresAddress) async throws -> RunningServer {
        try await RunningServer(database: "", logLevel: .warning) {
            $0.database = .postgres(address)
            $0.httpPort = 0
            $0.ircPort = 0
        }
    }

    /// An IRC client with `message-tags`, in `#main`.
    private func ircMember(port: Int, as nick: String) async throws -> IRCTestClient {
        let client = try await IRCTestClient.register(port: port, as: nick, capabilities: ["message-tags"])
        try await client.send("JOIN #main")
        try await client.expect { $0.command == "JOIN" && $0.source?.hasPrefix("\(nick)!") == true }
        return client
    }
}

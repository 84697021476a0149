import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatStorePostgres
import ChatTestSupport
import Foundation
import Testing

/// Two chat-server nodes in this process on one PostgreSQL database, with plain and JSON clients
/// on both.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct TwoNodeTests {
    @Test("clients of two nodes, plain and JSON, see every message once, in the record's order")
    func sameOrderOnBothNodes() async throws {
        let address = try await freshDatabase()
        let (a, b) = (try await startNode(address), try await startNode(address))
        try await withNodes([a, b]) {
            let alice = try await TestClient.join(port: a.port, as: "alice")
            let bob = try await TestClient.join(port: b.port, as: "bob")
            let carol = try await jsonJoin(port: a.port, as: "carol")
            let dave = try await jsonJoin(port: b.port, as: "dave")
            let sending = (
                Task { for n in 0..<30 { try await alice.send("a\(n)") } },
                Task { for n in 0..<30 { try await bob.send("b\(n)") } }
            )
            try await sending.0.value
            try await sending.1.value
            let isChat: @Sendable (String) -> Bool = { $0.hasPrefix("alice: a") || $0.hasPrefix("bob: b") }
            let isChatEvent: @Sendable (String) -> Bool = { line in
                guard let event = jsonEvent(line), event.kind == .message else { return false }
                return event.user == "alice" || event.user == "bob"
            }
            let seenByAlice = try await collect(60, from: alice, isChat)
            let seenByBob = try await collect(60, from: bob, isChat)
            let seenByCarol = try await collect(60, from: carol, isChatEvent).compactMap(jsonEvent)
            let seenByDave = try await collect(60, from: dave, isChatEvent).compactMap(jsonEvent)
            let recorded = try await recordedEvents(at: address).filter { $0.kind == .message }
            #expect(recorded.count == 60)
            #expect(seenByAlice == plainLines(recorded))
            #expect(seenByBob == plainLines(recorded))
            #expect(ids(seenByCarol) == ids(recorded))
            #expect(ids(seenByDave) == ids(recorded))
        }
    }

    @Test("a message reaches members of its own node and of the other within milliseconds (NOTIFY, not the timer)")
    func deliveryIsPrompt() async throws {
        let address = try await freshDatabase()
        let (a, b) = (try await startNode(address), try await startNode(address))
        try await withNodes([a, b]) {
            let alice = try await TestClient.join(port: a.port, as: "alice")
            let bob = try await TestClient.join(port: b.port, as: "bob")
            var own: [Double] = []
            var other: [Double] = []
            for n in 0..<20 {
                let sent = Date()
                try await alice.send("ping \(n)")
                try await alice.expect { $0 == "alice: ping \(n)" }
                own.append(Date().timeIntervalSince(sent))
                try await bob.expect { $0 == "alice: ping \(n)" }
                other.append(Date().timeIntervalSince(sent))
            }
            print(
                "two nodes: delivery to the sender's node median \(Int(median(own) * 1000)) ms, max \(Int((own.max() ?? 0) * 1000)) ms; to the other node median \(Int(median(other) * 1000)) ms, max \(Int((other.max() ?? 0) * 1000)) ms"
            )
            // The follower's timer is 1 s: a median well under it means notifications woke it.
            #expect(median(own) < 0.25)
            #expect(median(other) < 0.25)
        }
    }

    @Test("a JSON client that resumes on the other node gets exactly what it missed, once, in order")
    func resumeOnTheOtherNode() async throws {
        let address = try await freshDatabase()
        let (a, b) = (try await startNode(address), try await startNode(address))
        try await withNodes([a, b]) {
            let talker = try await TestClient.join(port: a.port, as: "talker")
            let talking = Task {
                for n in 0..<200 {
                    try await talker.send("n\(n)")
                    if n % 20 == 0 { await Task.yield() }
                }
            }
            var seen: [Int64] = []
            for round in 0..<4 {
                let port = round % 2 == 0 ? a.port : b.port
                let reader = try await jsonJoin(port: port, as: "reader", resumeAfter: seen.last ?? 0)
                for line in try await collect(30, from: reader, { jsonEvent($0) != nil }) {
                    if let event = jsonEvent(line) { seen.append(event.id) }
                }
                try await reader.send(ClientMessage.quit.json)
                try await reader.expectClosed()
            }
            try await talking.value
            try await talker.expect { $0 == "talker: n199" }
            // The last resume, on the other node, to the end.
            let reader = try await jsonJoin(port: b.port, as: "reader", resumeAfter: seen.last!)
            let last = try await reader.expect { jsonEvent($0)?.text == "n199" }
            let rest = try await reader.received.compactMap(jsonEvent)
            let (resumedAfter, through) = (seen.last!, try #require(jsonEvent(last)).id)
            seen += rest.map(\.id).filter { $0 > resumedAfter && $0 <= through }
            let recorded = try await recordedEvents(at: address).filter {
                $0.room == Room.defaultName && $0.id <= through
            }
            #expect(seen == ids(recorded))
            #expect(Set(seen).count == seen.count)
        }
    }
}

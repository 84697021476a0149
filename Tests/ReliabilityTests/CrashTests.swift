import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@Suite("Reliability: kill -9 under traffic", .timeLimit(.minutes(10)))
struct CrashTests {
    @Test("rounds of kill -9 under traffic: integrity ok, nothing seen is lost, ids without holes, sessions unclean")
    func killNineRounds() async throws {
        let rounds = Scale.pick("RELIABILITY_CRASH_ROUNDS", quick: 3, full: 20)
        let clientCount = Scale.pick("RELIABILITY_CRASH_CLIENTS", quick: 10, full: 50)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        var totalSeen = 0
        var totalLost = 0
        var totalStored = 0
        let started = Date()
        for round in 1...rounds {
            let server = try ServerProcess(database: db, arguments: ["--rate", "0", "--history", "0"])
            // The previous rounds' sessions were all killed: the restart marked them unclean.
            let sessions = try EventReader(path: db).sessions()
            #expect(sessions.count == round)
            #expect(sessions.dropLast().allSatisfy { $0.state == .unclean }, "round \(round): \(sessions.map(\.state))")
            #expect(sessions.last?.state == .running)

            let tag = "r\(round)-"
            var clients: [TestClient] = []
            for index in 0..<clientCount {
                clients.append(
                    try await TestClient.join(port: server.port, as: "c\(index)", counting: { $0.contains(tag) }))
            }
            try await clients[0].expect { $0 == "c\(clientCount - 1) joined the chat" }
            let senders = Task { [clients] in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, client) in clients.enumerated() {
                        group.addTask {
                            for n in 0..<20_000 where !Task.isCancelled {
                                try await client.send("\(tag)c\(index)-\(n)")
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            // Kill at a point that moves from round to round, while traffic flows.
            let killAfter = 50 + (round * 37) % 400
            try await eventually(within: 60, "\(killAfter) messages at c0") {
                try await clients[0].counted >= killAfter
            }
            server.kill9()
            senders.cancel()
            _ = try? await senders.value

            var seen = Set<String>()
            for client in clients {
                try await client.expectClosed(within: 20)
                for line in try await client.received where line.contains(tag) { seen.insert(line) }
            }
            let reader = try EventReader(path: db)
            #expect(try reader.integrityCheck() == "ok")
            let all = try reader.events(EventFilter())
            let stored = Set(all.filter { $0.kind == .message }.map { "\($0.user): \($0.text)" })
            let lost = seen.subtracting(stored)
            #expect(lost.isEmpty, "round \(round) lost: \(lost.prefix(5))")
            #expect(all.map(\.id) == Array(1...Int64(all.count)), "ids have holes or are out of order")
            totalSeen += seen.count
            totalLost += lost.count
            totalStored = all.count
            for client in clients { await client.close() }
        }
        // One more start marks the last killed session; a clean stop marks its own clean.
        let last = try ServerProcess(database: db)
        #expect(try await last.stop() == 0)
        let sessions = try EventReader(path: db).sessions()
        #expect(sessions.count == rounds + 1)
        #expect(sessions.dropLast().allSatisfy { $0.state == .unclean })
        #expect(sessions.last?.state == .clean)
        figure(
            "crash",
            "rounds=\(rounds) clients=\(clientCount) messages_seen=\(totalSeen) events_stored=\(totalStored) "
                + "messages_lost=\(totalLost) integrity=ok seconds=\(String(format: "%.1f", Date().timeIntervalSince(started)))"
        )
    }
}

import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@Suite("Reliability: a join that cannot be stored", .timeLimit(.minutes(5)))
struct JoinFaultTests {
    @Test("disk full: the newcomer is told and disconnected, never in the room, no leave without a join")
    func joinNotStored() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(database: db, arguments: ["--max-pages", "16", "--rate", "0", "--history", "0"])
        let alice = try await TestClient.join(port: server.port, as: "alice")
        // Fill the database to the last byte: big messages, then smaller ones, down to one character.
        for size in [1500, 300, 60, 1] {
            let payload = String(repeating: "d", count: size)
            for n in 0..<500 {
                try await alice.send("\(payload)\(n)")
                let line = try await alice.expect { $0.hasPrefix("alice: \(payload)\(n)") || $0.hasPrefix("error: ") }
                if line.hasPrefix("error: ") { break }
            }
        }
        let newcomer = try await TestClient.connect(port: server.port)
        try await newcomer.send("newcomer")
        let lines = try await newcomer.expectClosed()
        #expect(lines.contains { $0.hasPrefix("error: you could not join: your join could not be stored (disk full") })
        try await alice.send("/who")
        try await alice.expect { $0 == "In the room (1): alice" }
        #expect(try await !alice.received.contains { $0.hasPrefix("newcomer ") })
        #expect(try await server.stop() == 0)
        #expect(try EventReader(path: db).events(EventFilter()).filter { $0.user == "newcomer" }.isEmpty)
    }
}

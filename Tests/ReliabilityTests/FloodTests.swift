import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import NIOCore
import Testing

@Suite("Reliability: floods", .timeLimit(.minutes(15)))
struct FloodTests {
    @Test("a flooding client is slowed to its rate after its burst, told once, loses nothing; others are not held up")
    func floodIsSlowedToItsRate() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let rate = 100
        let burst = 20
        let count = Scale.pick("RELIABILITY_FLOOD_MESSAGES", quick: 520, full: 1020)
        let server = try ServerProcess(database: db, arguments: ["--rate", "\(rate)", "--burst", "\(burst)"])
        let flooder = try await TestClient.join(port: server.port, as: "flooder")
        let alice = try await TestClient.join(port: server.port, as: "alice")
        let bob = try await TestClient.join(port: server.port, as: "bob", counting: { $0.hasPrefix("flooder: flood ") })
        let started = Date()
        let flood = Task { for n in 0..<count { try await flooder.send("flood \(n)") } }
        try await flooder.expect {
            $0 == "notice: you are sending more than \(rate) messages a second; your messages are being slowed down."
        }
        // Others chat meanwhile, and are not slowed down by the flood.
        var worst = 0.0
        for n in 0..<5 {
            let sent = Date()
            try await alice.send("ping \(n)")
            try await bob.expect(within: 5) { $0 == "alice: ping \(n)" }
            worst = max(worst, Date().timeIntervalSince(sent))
        }
        #expect(try await bob.counted < count, "the flood was over before the others spoke: not a flood test")
        try await flood.value
        try await eventually(within: Double(count) / Double(rate) * 3 + 10, "the whole flood at bob") {
            try await bob.counted == count
        }
        let seconds = Date().timeIntervalSince(started)
        let expected = Double(count - burst) / Double(rate)
        #expect(seconds >= expected * 0.9, "the flood took \(seconds) s, faster than the rate allows (\(expected) s)")
        // Full runs have the machine to themselves; quick runs share 2 cores with every other suite.
        let patience = Scale.full ? 1.0 : 3.0
        #expect(worst < patience, "others waited \(worst) s")
        let notices = try await flooder.received.filter { $0.hasPrefix("notice: you are sending") }
        #expect(notices.count == 1)
        #expect(try await server.stop() == 0)
        let stored = try EventReader(path: db).events(EventFilter(kinds: [.message])).filter { $0.user == "flooder" }
        #expect(stored.map(\.text) == (0..<count).map { "flood \($0)" })
        figure(
            "flood",
            String(
                format:
                    "rate=%d burst=%d messages=%d took=%.2f s (%.0f msg/s, limit %d) notices=%d dropped=%d others_worst_latency=%.0f ms",
                rate, burst, count, seconds, Double(count) / seconds, rate, notices.count, count - stored.count,
                worst * 1000))
    }

    @Test("connect/disconnect cycles: no growth in file descriptors or memory")
    func connectCycles() async throws {
        let cycles = Scale.pick("RELIABILITY_CYCLES", quick: 1000, full: 10_000)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(database: db, arguments: ["--log-level", "warning"])
        let watcher = try await TestClient.join(port: server.port, as: "watcher")
        let idleSockets = server.openSockets
        let workers = 4
        let perWorker = cycles / workers
        var samples: [(done: Int, rss: Int, files: Int)] = []
        let started = Date()
        for quarter in 0..<4 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        for n in 0..<(perWorker / 4) {
                            let client = try await TestClient.connect(port: server.port)
                            switch n % 3 {
                            case 0:  // connect and drop
                                break
                            case 1:  // join, then drop the connection
                                try await client.send("w\(worker)")
                                try await client.expect { $0.hasPrefix("Hello ") }
                            default:  // join and quit
                                try await client.send("w\(worker)")
                                try await client.expect { $0.hasPrefix("Hello ") }
                                try await client.send("{quit}")
                                try await client.expectClosed()
                            }
                            await client.close()
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Every connection of this quarter is gone from the server before measuring.
            try await eventually(within: 20, "connections closed") { server.openSockets <= idleSockets }
            samples.append(((quarter + 1) * perWorker / 4 * workers, server.residentKiB, server.openFiles))
        }
        let seconds = Date().timeIntervalSince(started)
        // The watcher still chats.
        try await watcher.send("still here")
        try await watcher.expect { $0 == "watcher: still here" }
        #expect(try await server.stop() == 0)
        let growth = samples[3].rss - samples[1].rss
        // The first quarter warms up (threads, SQLite's read connections); after it, descriptors may
        // only vary within the read-connection pool (at most 8 connections of 2 files each): a leak
        // of one descriptor per connection would add hundreds per quarter.
        #expect(samples.dropFirst().allSatisfy { abs($0.files - samples[1].files) <= 16 }, "\(samples)")
        // Memory settles: between half-way and the end it may not keep growing.
        #expect(growth < 4 * 1024, "RSS grew \(growth) KiB from cycle \(samples[1].done) to \(samples[3].done)")
        figure(
            "connect-cycles",
            "cycles=\(samples[3].done) seconds=\(String(format: "%.1f", seconds)) sockets_idle=\(idleSockets) fds after each quarter="
                + samples.map { "\($0.files)" }.joined(separator: "/") + " rss_kib after each quarter="
                + samples.map { "\($0.rss)" }.joined(separator: "/") + " growth_second_half_kib=\(growth)")
    }
}

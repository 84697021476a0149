import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import NIOCore
import Testing

/// Back-pressure end to end: every byte bound for a member counts against one budget; over it,
/// the server stops reading from that member; only a member that stays there is too slow.
@Suite("Reliability: back-pressure", .timeLimit(.minutes(5)))
struct BackPressureTests {
    @Test("a burst of 1,000 lines of 4,095 bytes: every reader gets every line, nobody who reads is cut")
    func burstReachesEveryReader() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        // A batch of the burst is far bigger than the queue: once that cut every reader.
        let server = try ServerProcess(database: db, arguments: ["--max-queue-bytes", "262144", "--history", "0"])
        let count = 1000
        let isBurst: @Sendable (String) -> Bool = { $0.hasPrefix("sender: ") }
        var readers: [TestClient] = []
        for index in 0..<5 {
            readers.append(try await TestClient.join(port: server.port, as: "reader\(index)", counting: isBurst))
        }
        let sender = try await TestClient.join(port: server.port, as: "sender", counting: isBurst)
        try await readers[0].expect { $0 == "sender joined the chat" }
        let line = Array(repeating: UInt8(ascii: "x"), count: 4095) + [UInt8(ascii: "\n")]
        try await sender.send(bytes: Array((0..<count).map { _ in line }.joined()))
        for (index, reader) in (readers + [sender]).enumerated() {
            try await eventually(within: 60, "all \(count) lines at client \(index), none cut") {
                if reader.isClosed { throw WaitFailure(description: "client \(index) was cut") }
                return try await reader.counted == count
            }
        }
        #expect(!server.log.contains("too slow"))
        #expect(try await server.stop() == 0)
        let events = try EventReader(path: db).events(EventFilter())
        #expect(events.filter { $0.kind == .message }.count == count)
        #expect(events.filter { $0.reason == .tooSlow }.isEmpty)
    }

    @Test("/help and /history 1000 floods from clients that never read: memory bounded, a newcomer joins within 1 s")
    func commandFloodsStayBounded() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(database: db, arguments: ["--history", "0"])
        // A thousand events of 4 kB to ask for: each `/history 1000` is about 4 MB.
        let filler = try await TestClient.join(port: server.port, as: "filler")
        // In tens of lines (a smaller burst than the first test's), so that this test measures floods only.
        let text = String(repeating: "h", count: 4000)
        for round in 0..<100 {
            try await filler.send(bytes: Array((0..<10).map { "\(text) \(round)-\($0)\n" }.joined().utf8))
            try await filler.expect(within: 30) { $0.hasSuffix(" \(round)-9") }
        }
        await filler.close()

        var flooders: [TestClient] = []
        for (name, command) in [("helper", "/help\n"), ("historian", "/history 1000\n")] {
            let flooder = try await TestClient.join(port: server.port, as: name, receiveBuffer: 4096)
            try await flooder.channel.setOption(.autoRead, value: false).get()
            var flood = flooder.channel.allocator.buffer(capacity: 200_000 * command.utf8.count)
            for _ in 0..<(command == "/help\n" ? 200_000 : 5_000) { flood.writeString(command) }
            // Not awaited: the server stops reading, so most of this waits in our own buffers.
            flooder.channel.writeAndFlush(flood, promise: nil)
            flooders.append(flooder)
        }
        let baseline = server.residentKiB
        // Watch the server for a few seconds of flood; there is no event to wait for when
        // nothing goes wrong. A newcomer joins meanwhile.
        let started = Date()
        var peak = baseline
        var joinSeconds: Double?
        while Date().timeIntervalSince(started) < 4 {
            peak = max(peak, server.residentKiB)
            if joinSeconds == nil, Date().timeIntervalSince(started) > 1 {
                let asked = Date()
                let newcomer = try await TestClient.join(port: server.port, as: "newcomer")
                joinSeconds = Date().timeIntervalSince(asked)
                await newcomer.close()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        peak = max(peak, server.peakResidentKiB)
        let growthMiB = Double(peak - baseline) / 1024
        #expect(growthMiB < 48, "the server grew by \(growthMiB) MiB")
        #expect((joinSeconds ?? 99) < 1, "the newcomer took \(joinSeconds ?? -1) s to join")
        for flooder in flooders { await flooder.close() }
        #expect(try await server.stop() == 0)
        figure(
            "command-floods",
            String(format: "growth=%.1f MiB newcomer_join=%.0f ms", growthMiB, (joinSeconds ?? -1) * 1000))
    }
}

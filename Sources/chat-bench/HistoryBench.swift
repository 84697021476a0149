import ArgumentParser
import ChatModel
import ChatStore
import Foundation

/// History-on-join latency (the last 50 events of a room) as the database grows.
struct HistoryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Latency of the last-50 history query against database size.")

    @Option(help: "Database sizes, comma-separated.")
    var sizes = "10000,100000,1000000"

    @Option(help: "Queries per size.")
    var queries = 2000

    func run() async throws {
        for line in try await Self.measure(sizes: sizes.split(separator: ",").compactMap { Int($0) }, queries: queries)
        {
            print(line)
        }
    }

    static func measure(sizes: [Int], queries: Int) async throws -> [String] {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("history.sqlite")
        var lines: [String] = []
        var filled = 0
        var baseline: Double?
        for size in sizes.sorted() {
            let fillStart = now()
            try await fill(path, from: filled, to: size)
            let fillSeconds = now() - fillStart
            let added = size - filled
            filled = size
            let reader = try EventReader(path: path)
            var samples: [Double] = []
            for _ in 0..<queries {
                let start = now()
                let events = try reader.recent(limit: 50)
                samples.append((now() - start) * 1e6)
                precondition(events.count == 50)
            }
            let (p50, p99) = percentiles(samples)
            baseline = baseline ?? p50
            lines.append(
                String(
                    format:
                        "history: events=%d last50_p50=%.1fus p99=%.1fus RATIO p50/p50_smallest=%.2f (filled at %@)",
                    size, p50, p99, p50 / baseline!, rate(added, fillSeconds)))
        }
        return lines
    }

    /// Adds events `from..<to` through the store's own writer, across several sessions and users.
    static func fill(_ path: String, from: Int, to: Int) async throws {
        guard to > from else { return }
        let store = try EventStore(path: path)
        defer { try? store.close() }
        let writer = try store.startSession(host: "bench", port: 0, version: "bench") { _ in }
        for index in from..<to {
            let event = NewEvent(
                kind: index % 10 == 0 ? .join : .message, user: "user\(index % 500)",
                text: "BENCH history filler number \(index) with some typical text")
            if index == to - 1 || index % 100_000 == 99_999 {
                _ = try await writer.append(event)
            } else {
                writer.submit(event)
            }
        }
    }
}

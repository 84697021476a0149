import ArgumentParser
import ChatModel
import ChatStore
import Foundation

/// The writer's sustained insert rate against raw batched SQLite inserts, in the same run.
struct StoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "EventWriter throughput against raw batched SQLite inserts.")

    @Option(help: "Events to write in each run.")
    var events = 500_000

    @Option(help: "Concurrent producers submitting to the writer.")
    var producers = 8

    @Option(help: "Runs of each, alternating.")
    var runs = 3

    func run() async throws {
        let result = try await Self.measure(events: events, producers: producers, runs: runs)
        print(result)
    }

    static func measure(events: Int, producers: Int, runs: Int) async throws -> String {
        var raw: [Double] = []
        var writer: [Double] = []
        var perRow: Double = 0
        for _ in 0..<runs {
            let scratch = Scratch()
            defer { scratch.remove() }
            let rawSeconds = try RawInsertBaseline.run(path: scratch.file("raw.sqlite"), rows: events, batchSize: 1024)
            raw.append(Double(events) / rawSeconds)
            writer.append(
                Double(events) / (try await writeThroughStore(scratch.file("store.sqlite"), events, producers)))
        }
        let scratch = Scratch()
        defer { scratch.remove() }
        let rows = max(1000, events / 50)
        perRow = Double(rows) / (try RawInsertBaseline.run(path: scratch.file("row.sqlite"), rows: rows, batchSize: 1))
        let rawMedian = percentiles(raw).p50
        let writerMedian = percentiles(writer).p50
        return String(
            format:
                "store: events=%d producers=%d writer=%.0f/s raw_batched=%.0f/s raw_one_per_txn=%.0f/s RATIO writer/raw_batched=%.2f",
            events, producers, writerMedian, rawMedian, perRow, writerMedian / rawMedian)
    }

    /// Seconds for `producers` tasks to submit `events` events through one writer, until the last commits.
    static func writeThroughStore(_ path: String, _ events: Int, _ producers: Int) async throws -> Double {
        let store = try EventStore(path: path)
        defer { try? store.close() }
        let writer = try store.startSession(host: "bench", port: 0, version: "bench") { _ in }
        let started = now()
        try await produce(events, producers: producers) { _ in (writer.submit, writer.append) }
        return now() - started
    }

    /// Submits `events` benchmark messages from `producers` tasks at once, each through the writer
    /// `writer(producer)` gives it (submit, then append for its last, which returns once that
    /// commits), and returns when every producer's last event has committed.
    static func produce(
        _ events: Int, producers: Int,
        writer:
            @escaping @Sendable (Int) -> (
                submit: @Sendable (NewEvent, EventWriter.Completion?) -> Void,
                append: @Sendable (NewEvent) async throws(StoreError) -> Event
            )
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                let (submit, append) = writer(producer)
                group.addTask {
                    let share = events / producers + (producer < events % producers ? 1 : 0)
                    for index in 0..<share {
                        let event = NewEvent(
                            kind: .message, user: "user\(producer)",
                            text: "BENCH a message of about sixty-four bytes of payload text, ok \(index)",
                            connection: Int64(producer))
                        if index == share - 1 { _ = try await append(event) } else { submit(event, nil) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

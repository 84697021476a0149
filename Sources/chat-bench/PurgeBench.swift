import ArgumentParser
import ChatModel
import ChatStore
import Foundation

/// Retention's purge of a big record while a writer commits a steady stream: how long the purge
/// takes, and the longest a commit waited, against the same stream without a purge.
struct PurgeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge", abstract: "Purge half of a big record while a writer commits a steady stream.")

    @Option(help: "Events in the database; the older half is purged.")
    var events = 1_000_000

    @Option(help: "Events per delete transaction.")
    var batch = Purger.defaultBatchSize

    @Option(help: "Events a second the steady writer commits, one at a time.")
    var rate = 500

    @Option(help: "Seconds of the stream without a purge (the baseline).")
    var baseline = 5.0

    func run() async throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("purge.sqlite")
        let day: Int64 = 86_400_000
        let current = currentTimeMillis()
        let filled = now()
        try await Self.fill(path, events: events, oldAt: current - 100 * day, newAt: current - day)
        let fillSeconds = now() - filled
        let before = Self.size(path)

        let store = try EventStore(path: path)
        defer { try? store.close() }
        let writer = try store.startSession(host: "bench", port: 0, version: "bench") { _ in }
        let quiet = try await Self.stream(writer, rate: rate) { started in now() - started >= baseline }

        let done = Locked<PurgeRun?>(nil)
        let started = now()
        let purger = try Purger(
            writer: writer, policy: RetentionPolicy(defaultMillis: 30 * day), interval: 3600, batchSize: batch,
            onPurge: { run in done.withLock { $0 = run } })
        let during = try await Self.stream(writer, rate: rate) { _ in done.withLock { $0 != nil } }
        let seconds = now() - started
        purger.stop()
        try store.close()
        guard let run = done.withLock({ $0 }) else { throw ValidationError("the purger reported no run") }
        print(
            String(
                format:
                    "purge: events=%d (filled in %.1f s) purged=%d batch=%d batches=%d purge=%.2f s (%.0f events/s) longest_batch=%.1f ms longest_vacuum_step=%.1f ms vacuumed_pages=%d file=%.1f->%.1f MB",
                events, fillSeconds, run.events, batch, run.batches, seconds, Double(run.events) / seconds,
                run.longestBatchMillis, run.longestVacuumMillis, run.vacuumedPages, Double(before) / 1e6,
                Double(Self.size(path)) / 1e6))
        print(
            String(
                format:
                    "purge: writer at %d/s, commit latency ms: without purge p50=%.2f p99=%.2f max=%.2f (%d commits); during purge p50=%.2f p99=%.2f max=%.2f (%d commits)",
                rate, quiet.p50, quiet.p99, quiet.max, quiet.count, during.p50, during.p99, during.max, during.count))
    }

    /// Fills a database: the older half of `events` at `oldAt`, the rest at `newAt`.
    static func fill(_ path: String, events: Int, oldAt: Int64, newAt: Int64) async throws {
        let store = try EventStore(path: path)
        let writer = try store.startSession(host: "bench", port: 0, version: "bench") { _ in }
        let text = String(repeating: "a chat line of ordinary length ", count: 2)
        for index in 0..<events {
            let room = ["main", "dev", "ops", "random"][index % 4]
            writer.submit(
                NewEvent(
                    kind: .message, room: room, user: "user\(index % 50)", text: "\(index) \(text)",
                    timeMillis: index < events / 2 ? oldAt : newAt))
            if index % 10_000 == 9999 {  // keeps the queue short; at the same time, which never goes back
                let time = index < events / 2 ? oldAt : newAt
                _ = try await writer.append(NewEvent(kind: .join, user: "pace", timeMillis: time))
            }
        }
        _ = try await writer.append(NewEvent(kind: .join, user: "last", timeMillis: newAt))
        try store.close()
    }

    /// Commits one event at a time at `rate` a second until `enough`; commit latencies in ms.
    static func stream(
        _ writer: EventWriter, rate: Int, until enough: (Double) -> Bool
    ) async throws -> (p50: Double, p99: Double, max: Double, count: Int) {
        var latencies: [Double] = []
        let started = now()
        let interval = 1.0 / Double(max(rate, 1))
        while !enough(started) {
            let before = now()
            _ = try await writer.append(NewEvent(kind: .message, user: "steady", text: "tick"))
            latencies.append((now() - before) * 1000)
            let next = started + Double(latencies.count) * interval
            if next > now() { try await Task.sleep(for: .seconds(next - now())) }
        }
        let (p50, p99) = percentiles(latencies)
        return (p50, p99, latencies.max() ?? 0, latencies.count)
    }

    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }
}

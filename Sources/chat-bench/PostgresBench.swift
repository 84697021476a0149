import ArgumentParser
import ChatModel
import ChatStore
import ChatStorePostgres
import Foundation
import Synchronization

/// The PostgreSQL store's writes against SQLite's in the same run: how many events a second one
/// database takes from one node and from several writing at once, and how long a commit takes at
/// a steady rate. Each run gets a fresh database (made and dropped on `--server`) and a fresh file.
struct PostgresBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "PostgreSQL store writes (1..N nodes, commit latency) against SQLite, in one run.")

    @Option(
        help: "A PostgreSQL server whose user may CREATE DATABASE, e.g. postgres://postgres@127.0.0.1:5432/postgres.")
    var server: String

    @Option(help: "Events each throughput run writes.")
    var events = 200_000

    @Option(help: "Producers submitting at once, spread over the nodes.")
    var producers = 8

    @Option(help: "Node counts to measure, comma-separated (each node: a store and a writer of its own).")
    var nodes = "1,2,4"

    @Option(help: "Steady rates (events/s) at which commit latency is measured, comma-separated.")
    var rates = "200,2000"

    @Option(help: "Seconds each latency run lasts.")
    var seconds = 5.0

    @Option(help: "Runs of each, alternating SQLite and PostgreSQL; medians are reported.")
    var runs = 3

    func run() async throws {
        let server = try PostgresAddress(self.server)
        let nodeCounts = nodes.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        let steadyRates = rates.split(separator: ",").compactMap { Double($0) }.filter { $0 > 0 }
        print("postgres: server=\(server) events=\(events) producers=\(producers) runs=\(runs)")
        var sqlite: [Double] = []
        var postgres: [Int: [Double]] = [:]
        for _ in 0..<runs {
            sqlite.append(try await Self.sqliteThroughput(events: events, producers: producers))
            for count in nodeCounts {
                let scratch = try await PostgresScratch.make(on: server, name: "chat_bench_\(getpid())")
                let rate = try await Self.postgresThroughput(
                    scratch.address, nodes: count, events: events, producers: producers)
                try await scratch.drop()
                postgres[count, default: []].append(rate)
            }
        }
        let sqliteMedian = percentiles(sqlite).p50
        print(String(format: "write sqlite   1 node : %8.0f events/s", sqliteMedian))
        for count in nodeCounts {
            let median = percentiles(postgres[count] ?? []).p50
            print(
                String(
                    format: "write postgres %d node%@: %8.0f events/s  RATIO postgres/sqlite=%.2f", count,
                    count == 1 ? " " : "s", median, median / sqliteMedian))
        }
        for rate in steadyRates {
            let scratch = Scratch()
            defer { scratch.remove() }
            let store = try EventStore(path: scratch.file("latency.sqlite"))
            let writer = try store.startSession(host: "bench", port: 0, version: "bench") { _ in }
            let onSQLite = try await Self.latencies(rate: rate, seconds: seconds) { writer.submit($0, completion: $1) }
            try store.close()
            let database = try await PostgresScratch.make(on: server, name: "chat_bench_\(getpid())")
            let postgresStore = try await PostgresEventStore(address: database.address)
            let postgresWriter = try await postgresStore.startSession(host: "bench", port: 0, version: "bench") { _ in }
            let onPostgres = try await Self.latencies(rate: rate, seconds: seconds) {
                postgresWriter.submit($0, completion: $1)
            }
            try await postgresStore.close()
            try await database.drop()
            let (sqliteP, postgresP) = (percentiles(onSQLite), percentiles(onPostgres))
            print(
                String(
                    format:
                        "commit at %.0f/s: sqlite p50 %.2f ms p99 %.2f ms, postgres p50 %.2f ms p99 %.2f ms (%d events each)",
                    rate, sqliteP.p50, sqliteP.p99, postgresP.p50, postgresP.p99, onPostgres.count))
        }
    }

    /// Events a second through one SQLite `EventWriter`, until the last commits.
    static func sqliteThroughput(events: Int, producers: Int) async throws -> Double {
        let scratch = Scratch()
        defer { scratch.remove() }
        return Double(events)
            / (try await StoreBench.writeThroughStore(scratch.file("store.sqlite"), events, producers))
    }

    /// Events a second through `nodes` PostgreSQL writers on one database, until the last commits.
    static func postgresThroughput(_ address: PostgresAddress, nodes: Int, events: Int, producers: Int) async throws
        -> Double
    {
        var stores: [PostgresEventStore] = []
        var writers: [PostgresEventWriter] = []
        for _ in 0..<nodes {
            let store = try await PostgresEventStore(address: address)
            stores.append(store)
            writers.append(try await store.startSession(host: "bench", port: 0, version: "bench") { _ in })
        }
        let started = now()
        try await StoreBench.produce(events, producers: producers) { [writers] producer in
            let writer = writers[producer % nodes]
            return (writer.submit, writer.append)
        }
        let seconds = now() - started
        for store in stores { try await store.close() }
        return Double(events) / seconds
    }

    /// Milliseconds from submit to completion of each event, submitting `rate` a second for `seconds`
    /// (a tick every 10 ms submits its share).
    static func latencies(
        rate: Double, seconds: Double,
        submit: @escaping @Sendable (NewEvent, @escaping EventWriter.Completion) -> Void
    ) async throws -> [Double] {
        let total = Int(rate * seconds)
        let samples = Mutex<[Double]>([])
        let done = AsyncStream<Void>.makeStream()
        let started = now()
        var sent = 0
        while sent < total {
            let due = min(total, Int((now() - started) * rate) + 1)
            while sent < due {
                let submitted = now()
                let event = NewEvent(
                    kind: .message, user: "steady", text: "BENCH steady message \(sent)", connection: 1)
                submit(event) { result in
                    let elapsed = (now() - submitted) * 1000
                    let count = samples.withLock { samples in
                        if case .success = result { samples.append(elapsed) } else { samples.append(.infinity) }
                        return samples.count
                    }
                    if count == total { done.continuation.yield() }
                }
                sent += 1
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        for await _ in done.stream { break }
        return samples.withLock { $0 }
    }
}

import ArgumentParser
import ChatModel
import ChatStore
import ChatStorePostgres
import Foundation

/// Search latency over a large record, and the writer's speed with and without the indexer.
struct SearchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Two-word search latency over N events, and write speed with search indexing on and off.")

    @Option(help: "Events in the searched database.")
    var events = 10_000_000

    @Option(help: "Build the database here, or reuse it when it already holds --events events (kept afterwards).")
    var database: String?

    @Option(help: "Two-word queries to time.")
    var queries = 1000

    @Option(help: "Events written in each write-speed run (0: skip the write-speed runs).")
    var writeEvents = 300_000

    @Option(help: "Write-speed runs of each (indexer on, off), alternating.")
    var runs = 3

    @Option(
        help: """
            Also time the queries on PostgreSQL (postgres://USER@HOST:PORT/DB, a user that may CREATE \
            DATABASE): the record is migrated into a scratch database there and searched with and \
            without its trigram index.
            """)
    var postgres: String?

    func run() async throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = database ?? scratch.file("search.sqlite")
        try await prepare(path)
        let reader = try EventReader(path: path)
        try await measureQueries("sqlite") { try reader.search($0, in: $1) }
        if let postgres { try await measurePostgres(path, server: try PostgresAddress(postgres)) }
        if writeEvents > 0 { try await measureWrites() }
    }

    /// The same queries on the record migrated into PostgreSQL, with its trigram index and without.
    private func measurePostgres(_ path: String, server: PostgresAddress) async throws {
        let scratch = try await PostgresScratch.make(on: server, name: "chat_search_bench_\(getpid())")
        do {
            let started = now()
            _ = try await PostgresImport.copy(from: try EventReader(path: path), to: scratch.address)
            print(String(format: "search: migrated into PostgreSQL in %.1f s", now() - started))
            let store = try await PostgresEventStore(address: scratch.address)
            let reader = store.reader()
            try await scratch.run("ANALYZE events")
            try await measureQueries("postgres") { try await reader.search($0, in: $1) }
            try await scratch.run("DROP INDEX events_text_trigrams")
            try await measureQueries("postgres-unindexed", queries: max(1, queries / 10)) {
                try await reader.search($0, in: $1)
            }
            await reader.close()
            try await scratch.drop()
        } catch {
            try? await scratch.drop()
            throw error
        }
    }

    /// Builds the database (indexer off, the fast way), then lets a session's indexer build the
    /// index in the background, as after an upgrade.
    private func prepare(_ path: String) async throws {
        let existing = FileManager.default.fileExists(atPath: path) ? try EventReader(path: path).lastEventID() : 0
        if existing < events {
            let started = now()
            let store = try EventStore(path: path, searchIndexing: false)
            let writer = try store.startSession(host: "bench", port: 0, version: "bench") { _ in }
            var text = ChatTextGenerator()
            let rooms = (0..<10).map { "room\($0)" }
            for index in Int(existing)..<events {
                let user = "user\(index % 500)"
                let event =
                    index % 20 == 0
                    ? NewEvent(
                        kind: .message, room: Room.privateName, user: user, text: text.message(),
                        recipient: "user\((index / 7) % 500)")
                    : NewEvent(kind: .message, room: rooms[index % rooms.count], user: user, text: text.message())
                if index == events - 1 { _ = try await writer.append(event) } else { writer.submit(event) }
                if index % 100_000 == 0 {
                    while writer.committed.events < index - Int(existing) - 200_000 { await Task.yield() }
                }
            }
            try store.close()
            print(String(format: "search: built %d events in %.1f s", events - Int(existing), now() - started))
        }
        let started = now()
        let store = try EventStore(path: path, log: { print($0) })
        _ = try store.startSession(host: "bench", port: 0, version: "bench") { _ in }
        guard try store.waitForSearchIndex(timeout: 24 * 3600) else {
            throw ValidationError("the index did not finish")
        }
        try store.close()
        print(String(format: "search: index up to date in %.1f s", now() - started))
    }

    /// Times two-word queries (`queries` unless told) as a member of 3 of the 10 rooms (with its
    /// private messages), and as the replay tool (everything); `store` names the store searched.
    private func measureQueries(
        _ store: String, queries: Int? = nil, _ search: (String, SearchScope) async throws -> [SearchHit]
    ) async throws {
        let queries = queries ?? self.queries
        var text = ChatTextGenerator(seed: 42)
        let member = SearchScope.member("user7", rooms: ["room1", "room4", "room7"], limit: nil)
        for (label, scope) in [("member", member), ("everything", SearchScope())] {
            var samples: [Double] = []
            var found = 0
            for _ in 0..<queries {
                let words = text.word() + " " + text.word()
                let started = now()
                found += try await search(words, scope).count
                samples.append((now() - started) * 1000)
            }
            let (p50, p99) = percentiles(samples)
            print(
                String(
                    format:
                        "search: store=%@ events=%d scope=%@ queries=%d p50=%.2f ms p99=%.2f ms max=%.2f ms results/query=%.1f",
                    store, events, label, queries, p50, p99, samples.max() ?? 0, Double(found) / Double(max(queries, 1))
                ))
        }
    }

    /// The writer's rate with the indexer on and off, alternating, in this run.
    private func measureWrites() async throws {
        var on: [Double] = []
        var off: [Double] = []
        for _ in 0..<runs {
            for indexing in [true, false] {
                let scratch = Scratch()
                defer { scratch.remove() }
                let seconds = try await write(scratch.file("write.sqlite"), indexing: indexing)
                (indexing ? { on.append($0) } : { off.append($0) })(Double(writeEvents) / seconds)
            }
        }
        let (withSearch, without) = (percentiles(on).p50, percentiles(off).p50)
        print(
            String(
                format: "search: write events=%d runs=%d indexer_on=%.0f/s indexer_off=%.0f/s RATIO on/off=%.3f",
                writeEvents, runs, withSearch, without, withSearch / without))
    }

    /// Seconds for 8 producers to write `writeEvents` varied messages, until the last commits.
    private func write(_ path: String, indexing: Bool) async throws -> Double {
        let store = try EventStore(path: path, searchIndexing: indexing)
        defer { try? store.close() }
        let writer = try store.startSession(host: "bench", port: 0, version: "bench") { _ in }
        let producers = 8
        let total = writeEvents
        var generator = ChatTextGenerator(seed: 7)
        let texts = (0..<4096).map { _ in generator.message() }
        let started = now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    let share = total / producers + (producer < total % producers ? 1 : 0)
                    for index in 0..<share {
                        let event = NewEvent(
                            kind: .message, user: "user\(producer)", text: texts[(index * 8 + producer) % texts.count],
                            connection: Int64(producer))
                        if index == share - 1 { _ = try await writer.append(event) } else { writer.submit(event) }
                    }
                }
            }
            try await group.waitForAll()
        }
        return now() - started
    }
}

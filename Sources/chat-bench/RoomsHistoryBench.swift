import ArgumentParser
import ChatCore
import ChatModel
import ChatStore
import Foundation

/// History on join and resume of one room in a large database spread over many rooms: the last
/// 50 events of a room (`EventReader.recent(room:limit:)`, and the join as the core serves it,
/// `ChatCore.catchUp(room:resumeAfter:nil:)`), and resumes of one room
/// (`ChatCore.catchUp(room:resumeAfter:history:)`), against a 10 k-event, one-room database
/// built in the same run.
struct RoomsHistoryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rooms-history",
        abstract: "History on join and resume of one room in a database of many events over many rooms.")

    @Option(help: "The database file: built once, reused when it already holds the events.")
    var database: String

    @Option(help: "Events in the database.")
    var events = 10_000_000

    @Option(help: "Rooms the events are spread over (event i goes to room i % rooms).")
    var rooms = 1000

    @Option(help: "Queries of each kind.")
    var queries = 2000

    @Flag(help: "Delete the database (and its -wal, -shm) at the end.")
    var remove = false

    func run() async throws {
        defer {
            if remove {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
            }
        }
        for line in try await Self.measure(path: database, events: events, rooms: rooms, queries: queries) {
            print(line)
        }
    }

    static func roomName(_ index: Int) -> String { "bench\(index)" }

    static func measure(path: String, events: Int, rooms: Int, queries: Int) async throws -> [String] {
        var lines: [String] = []
        let have = FileManager.default.fileExists(atPath: path) ? try EventReader(path: path).lastEventID() : 0
        if have < Int64(events) {
            let start = now()
            try await fill(path, from: Int(have), to: events, rooms: rooms)
            let seconds = now() - start
            lines.append(
                String(
                    format: "rooms-history: built %@ with events %d..<%d over %d rooms in %.1f s (%@)", path, Int(have),
                    events,
                    rooms, seconds, rate(events - Int(have), seconds)))
        } else {
            lines.append("rooms-history: reusing \(path) (\(have) events)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        lines.append(String(format: "rooms-history: database %.2f GB", Double(size) / 1e9))

        // The baseline, in the same run: a 10 k-event database with one room.
        let scratch = Scratch()
        defer { scratch.remove() }
        let small = scratch.file("small.sqlite")
        try await fill(small, from: 0, to: 10_000, rooms: 1)
        let base = try await measureOne(small, rooms: 1, queries: queries)
        let big = try await measureOne(path, rooms: rooms, queries: queries)
        for (name, b) in big {
            let s = base.first { $0.0 == name }!.1
            lines.append(
                String(
                    format:
                        "rooms-history: %@ events=%d rooms=%d p50=%.1fus p99=%.1fus | 10k/1 room p50=%.1fus p99=%.1fus RATIO p50/p50_10k=%.2f",
                    name, events, rooms, b.p50, b.p99, s.p50, s.p99, b.p50 / s.p50))
        }
        return lines
    }

    /// Median and p99 in µs of each query kind against the database at `path`, rooms chosen at random.
    static func measureOne(
        _ path: String, rooms: Int, queries: Int
    ) async throws -> [(String, (p50: Double, p99: Double))] {
        var generator = SystemRandomNumberGenerator()
        let store = try EventStore(path: path)
        defer { try? store.close() }
        let writer = try store.startSession(host: "bench", port: 0, version: "bench") { _ in }
        let core = ChatCore(
            store: store, writer: writer,
            directory: try ChatCore.directory(of: store, defaultRoom: roomName(0)),
            configuration: CoreConfiguration())
        let last = try store.read { try $0.lastEventID() }
        let reader = try EventReader(path: path)
        func time(_ body: (String) async throws -> Int) async throws -> (p50: Double, p99: Double) {
            var samples: [Double] = []
            samples.reserveCapacity(queries)
            for _ in 0..<queries {
                let room = roomName(Int.random(in: 0..<rooms, using: &generator))
                let start = now()
                let n = try await body(room)
                samples.append((now() - start) * 1e6)
                precondition(n > 0)
            }
            return percentiles(samples)
        }
        // About 100 events missed in each room: the last 100 × rooms events of the record.
        let recentGap = max(0, last - Int64(100 * rooms))
        return [
            ("reader.recent(50)", try await time { try reader.recent(room: $0, limit: 50).count }),
            (
                "catchUp(join,50)",
                try await time { try await core.catchUp(room: $0, resumeAfter: nil, history: 50).events.count }
            ),
            (
                "catchUp(resume ~100 missed)",
                try await time { try await core.catchUp(room: $0, resumeAfter: recentGap, history: nil).events.count }
            ),
            (
                "catchUp(resume whole room)",
                try await time { try await core.catchUp(room: $0, resumeAfter: 0, history: nil).events.count }
            ),
            ("reader.count(whole room)", try await time { try reader.count(room: $0, after: 0, through: last) }),
        ]
    }

    /// Adds events `from..<to` through the store's own writer, in batches of up to 16384 events a
    /// transaction, event `i` in room `i % rooms`.
    static func fill(_ path: String, from: Int, to: Int, rooms: Int) async throws {
        guard to > from else { return }
        let store = try EventStore(path: path)
        defer { try? store.close() }
        let writer = try store.startSession(host: "bench", port: 0, version: "bench", maxBatch: 16384) { _ in }
        for index in from..<to {
            let event = NewEvent(
                kind: index % 10 == 0 ? .join : .message, room: roomName(index % rooms), user: "user\(index % 500)",
                text: "BENCH history filler number \(index) with some typical text")
            if index == to - 1 || index % 100_000 == 99_999 {
                _ = try await writer.append(event)
            } else {
                writer.submit(event)
            }
        }
    }
}

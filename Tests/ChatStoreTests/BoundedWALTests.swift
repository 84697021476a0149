import CSQLite
import Foundation
import Testing

@testable import ChatStore

/// The `-wal` file stays bounded while a server writes steadily, and shrinks back once a reader
/// that pinned it lets go (docs/STORAGE.md, "A bounded WAL"; figures in RELIABILITY.md).
@Suite("A bounded WAL")
struct BoundedWALTests {
    /// The documented bound: `journal_size_limit` plus what one checkpoint interval writes.
    static let bound: Int64 = 2 * Checkpointer.walSizeLimit

    @Test func aLongExportDoesNotPinTheWALAndAPinnedOneShrinksAfter() throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        defer { try? store.close() }
        let exportSize = 3000
        let outcomes = Outcomes()
        for index in 0..<exportSize {
            writer.submit(.message("alice", "event \(index)"), completion: outcomes.completion)
        }
        #expect(outcomes.wait(for: exportSize) != nil)
        let wal = directory.database + "-wal"
        let steady = SteadyWriter(writer)
        defer { steady.stop() }

        // A slow export (1 ms per event) while the writer commits an event every 2 ms or so.
        let reader = try EventReader(path: directory.database)
        let started = Date()
        var exported = 0
        var exportPeak: Int64 = 0
        try reader.forEach(EventFilter(users: ["alice"])) { _ in
            exported += 1
            usleep(1000)
            if exported % 20 == 0 { exportPeak = max(exportPeak, Checkpointer.fileSize(wal)) }
        }
        let exportSeconds = Date().timeIntervalSince(started)
        let commitsDuringExport = steady.count
        #expect(exported == exportSize)
        #expect(commitsDuringExport > 100)
        #expect(exportPeak < Self.bound, "the WAL grew to \(exportPeak) bytes during the export")

        // A reader that holds one snapshot pins the log: it grows a MiB past the limit (and past
        // where it was)...
        let pinning = try RawDatabase(directory.database, flags: SQLITE_OPEN_READONLY)
        try pinning.execute("BEGIN")
        _ = try pinning.rows("SELECT count(*) FROM events")
        let (pinnedFrom, commitsBefore) = (Checkpointer.fileSize(wal), steady.count)
        let target = max(pinnedFrom, Checkpointer.walSizeLimit) + (1 << 20)
        let pinnedPeak = try waitForWAL(wal, "to grow past the limit while pinned") { $0 > target }
        let perCommit = (pinnedPeak - pinnedFrom) / Int64(max(1, steady.count - commitsBefore))
        // ...and shrinks back soon after it lets go, the writer still going.
        try pinning.execute("COMMIT")
        let released = Date()
        let after = try waitForWAL(wal, "to shrink after the reader let go") { $0 <= Checkpointer.walSizeLimit }
        let shrinkSeconds = Date().timeIntervalSince(released)
        steady.stop()
        let slowest = String(format: "%.1f", steady.slowest * 1000)
        print(
            "FIGURE bounded-wal: export=\(exportSize) events in \(String(format: "%.1f", exportSeconds)) s "
                + "while \(commitsDuringExport) commits, wal_peak=\(kib(exportPeak)) KiB (bound \(kib(Self.bound)) KiB); "
                + "pinned reader: wal grew to \(kib(pinnedPeak)) KiB (\(perCommit) bytes per commit), after release \(kib(after)) KiB "
                + "within \(String(format: "%.2f", shrinkSeconds)) s; slowest commit \(slowest) ms")
    }

    @Test func aCleanStopEmptiesTheWAL() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        // An open reader keeps the -wal file from being deleted with the server's last connection.
        let reader = try EventReader(path: directory.database)
        for index in 0..<200 { _ = try await writer.append(.message("alice", "hello \(index)")) }
        #expect(Checkpointer.fileSize(directory.database + "-wal") > 0)
        try store.close()
        #expect(Checkpointer.fileSize(directory.database + "-wal") == 0)
        #expect(try reader.lastEventID() == 200)
    }

    private func kib(_ bytes: Int64) -> Int64 { bytes / 1024 }

    /// Polls the size of `wal` (there is no signal for it) until `condition` holds; bounded.
    private func waitForWAL(_ wal: String, _ what: String, _ condition: (Int64) -> Bool) throws -> Int64 {
        let deadline = Date(timeIntervalSinceNow: waitLimit)
        while Date() < deadline {
            let size = Checkpointer.fileSize(wal)
            if condition(size) { return size }
            usleep(10_000)
        }
        throw RawError(message: "timed out waiting for the WAL \(what) (\(Checkpointer.fileSize(wal)) bytes)")
    }
}

/// A thread that appends one event, waits for its commit, pauses 2 ms, and again, until
/// stopped: a server with steady traffic.
final class SteadyWriter: Sendable {
    private let state = Locked((count: 0, slowest: 0.0, stopping: false, stopped: false))

    init(_ writer: EventWriter) {
        let state = self.state
        startThread(name: "steady-writer") {
            let committed = DispatchSemaphore(value: 0)
            while !state.withLock({ $0.stopping }) {
                let sent = Date()
                writer.submit(.message("bob", "steady")) { _ in committed.signal() }
                guard committed.wait(timeout: .now() + waitLimit) == .success else { break }
                let waited = Date().timeIntervalSince(sent)
                state.withLock { state in
                    state.count += 1
                    state.slowest = max(state.slowest, waited)
                }
                usleep(2000)
            }
            state.withLock { $0.stopped = true }
            state.broadcast()
        }
    }

    /// Events committed so far.
    var count: Int { state.withLock { $0.count } }

    /// The longest wait for a commit so far, in seconds.
    var slowest: TimeInterval { state.withLock { $0.slowest } }

    /// Stops the thread and waits for it (bounded).
    func stop() {
        state.withLock { $0.stopping = true }
        state.withLock(when: \.stopped, before: Date(timeIntervalSinceNow: waitLimit)) { _ in }
    }
}

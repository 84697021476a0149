/// Whose turn it is to write, between the event writer and the background writers, the purger and
/// the search indexer (all in this process, on connections of their own). The writer never waits
/// in SQLite's busy handler, whose sleeps grow to tens of milliseconds and which a background
/// writer taking batch after batch could starve past its timeout: it waits here, and is woken the
/// moment a background batch commits. A background batch takes its turn only when no commit is
/// waiting, so the writer always goes first.
final class WriteTurn: Sendable {
    private let state = Locked(State())

    private struct State {
        var writing = false
        var writersWaiting = 0

        var isFree: Bool { !writing }
        var isFreeForBackground: Bool { !writing && writersWaiting == 0 }
    }

    /// Runs the writer's `body` once no background batch is running.
    func asWriter<T>(_ body: () -> T) -> T {
        state.withLock { $0.writersWaiting += 1 }
        state.withLock(when: \.isFree) { state in
            state.writing = true
            state.writersWaiting -= 1
        }
        defer { release() }
        return body()
    }

    /// Runs a background writer's `body` once nobody writes and no writer waits.
    func asBackground<T, Failure: Error>(_ body: () throws(Failure) -> T) throws(Failure) -> T {
        state.withLock(when: \.isFreeForBackground) { $0.writing = true }
        defer { release() }
        return try body()
    }

    /// Commits waiting for their turn (tests).
    var writersWaiting: Int { state.withLock { $0.writersWaiting } }

    private func release() {
        state.withLock { $0.writing = false }
        state.broadcast()
    }
}

import ChatModel
import ChatStore

/// `--follow`: polls the read-only database for events with ids above the last one printed, like
/// `tail -f`, across server restarts, until Ctrl+C.
public struct Follower {
    public let reader: EventReader
    public var after: Int64
    public var interval: Duration = .milliseconds(200)

    public init(reader: EventReader, after: Int64) {
        self.reader = reader
        self.after = after
    }

    /// Polls until SIGINT or task cancellation, emitting each new event once.
    public mutating func run(emit: (Event) throws -> Void) async throws {
        let interrupt = InterruptFlag()
        defer { interrupt.stop() }
        try await run(stopWhen: { interrupt.isRaised }, emit: emit)
    }

    /// Polls until `stopWhen` says so or the task is cancelled.
    public mutating func run(stopWhen: () -> Bool, emit: (Event) throws -> Void) async throws {
        var pager = EventPager(reader: reader, filter: EventFilter(afterID: after))
        while !stopWhen() && !Task.isCancelled {
            while let event = try pager.next() {
                try emit(event)
                after = event.id
            }
            pager.rewind()
            try? await Task.sleep(for: interval)
        }
    }
}

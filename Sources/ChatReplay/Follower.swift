import ChatModel
import ChatStore

/// `--follow`: polls the record for events with ids above the last one printed, like `tail -f`,
/// across server restarts, until Ctrl+C. On PostgreSQL it sees what every node commits, in id
/// order and nothing missed: ids become visible there in order (the counter row), as in a file.
public struct Follower {
    public let source: any ReplaySource
    public var after: Int64
    public var interval: Duration = .milliseconds(200)
    /// Which events to follow (a room, private messages or not); its `afterID` moves on.
    public var filter: EventFilter

    public init(source: any ReplaySource, after: Int64, filter: EventFilter = EventFilter()) {
        self.source = source
        self.after = after
        self.filter = filter
    }

    /// Polls until SIGINT or task cancellation, emitting each new event once.
    public mutating func run(emit: (Event) throws -> Void) async throws {
        let interrupt = InterruptFlag()
        defer { interrupt.stop() }
        try await run(stopWhen: { interrupt.isRaised }, emit: emit)
    }

    /// Polls until `stopWhen` says so or the task is cancelled.
    public mutating func run(stopWhen: () -> Bool, emit: (Event) throws -> Void) async throws {
        var start = filter
        start.afterID = after
        var pager = EventPager(source: source, filter: start)
        while !stopWhen() && !Task.isCancelled {
            while let event = try await pager.next() {
                try emit(event)
                after = event.id
            }
            pager.rewind()
            try? await Task.sleep(for: interval)
        }
    }
}

import ChatModel
import ChatStore

/// Plays events with their original spacing on a clock. Deadlines are measured from the start,
/// so time spent printing never accumulates as drift. Any `Clock` works: `ContinuousClock` for
/// real, a virtual clock in tests.
public struct ReplayPlayer<C: Clock>: Sendable where C.Duration == Duration {
    public let clock: C
    public let timing: ReplayTiming

    public init(clock: C, timing: ReplayTiming) {
        self.clock = clock
        self.timing = timing
    }

    /// Emits each event `next` yields at its scaled time; returns the last event played.
    @discardableResult
    public func play(
        next: () async throws -> Event?, emit: (Event) async throws -> Void
    ) async throws -> Event? {
        var deadline = clock.now
        var previous: Event?
        while let event = try await next() {
            if let previous {
                deadline = deadline.advanced(by: timing.delay(gapMillis: event.timeMillis - previous.timeMillis))
                if deadline > clock.now { try await clock.sleep(until: deadline, tolerance: nil) }
            }
            try await emit(event)
            previous = event
        }
        return previous
    }
}

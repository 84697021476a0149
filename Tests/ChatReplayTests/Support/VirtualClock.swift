import NIOConcurrencyHelpers

/// A clock whose sleeps return at once, advancing its time to the deadline: replay timing without
/// waiting. It records every instant slept until.
final class VirtualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let state = NIOLockedValueBox<(now: Instant, sleeps: [Duration])>((Instant(offset: .zero), []))

    var now: Instant { state.withLockedValue { $0.now } }
    var minimumResolution: Duration { .zero }
    /// Each deadline slept until, as an offset from the start.
    var sleeps: [Duration] { state.withLockedValue { $0.sleeps } }

    /// Moves time on without anyone sleeping (a person pausing, say).
    func advance(by duration: Duration) {
        state.withLockedValue { $0.now = $0.now.advanced(by: duration) }
    }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        state.withLockedValue {
            if $0.now < deadline { $0.now = deadline }
            $0.sleeps.append(deadline.offset)
        }
    }
}

import Dispatch

/// What the writer measured of one committed batch, for a server's metrics.
public struct CommitStats: Sendable {
    /// Events in the batch.
    public var events: Int
    /// How long the transaction took, in seconds.
    public var seconds: Double
    /// When the batch's oldest event was submitted (`DispatchTime.uptimeNanoseconds`).
    public var oldestSubmittedNanos: UInt64

    public init(events: Int, seconds: Double, oldestSubmittedNanos: UInt64) {
        self.events = events
        self.seconds = seconds
        self.oldestSubmittedNanos = oldestSubmittedNanos
    }
}

/// Hooks a server gives its store to learn what the writer and the checkpointer do; called on
/// their threads, so they must be quick.
public struct StoreObserver: Sendable {
    /// A WAL checkpoint ran: how long it took in seconds, and whether it was a TRUNCATE one.
    public var checkpointed: (@Sendable (_ seconds: Double, _ truncate: Bool) -> Void)?

    public init(checkpointed: (@Sendable (_ seconds: Double, _ truncate: Bool) -> Void)? = nil) {
        self.checkpointed = checkpointed
    }

    /// Monotonic nanoseconds, the clock of `CommitStats`.
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

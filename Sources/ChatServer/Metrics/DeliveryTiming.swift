import Synchronization

/// Times a committed batch from the submission of its oldest event (just after its line was
/// read) to its first write to a member, once per batch: the first event loop to write any of
/// its deliveries records it, the others find it done.
final class DeliveryTiming: Sendable {
    private let submitted: UInt64
    private let metrics: ServerMetrics
    private let done = Atomic<Bool>(false)

    init(submittedAt nanos: UInt64, metrics: ServerMetrics) {
        self.submitted = nanos
        self.metrics = metrics
    }

    /// An event loop wrote the batch to its members.
    func written() {
        guard !done.load(ordering: .relaxed), !done.exchange(true, ordering: .relaxed) else { return }
        metrics.delivered(submittedAt: submitted)
    }
}

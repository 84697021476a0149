/// A committed batch of events as the fan-out hands it on: ids ascending.
public protocol CommittedBatch: Sendable {
    var lastID: Int64 { get }
    var count: Int { get }
}

/// One member's place in the room's event order: nothing missed, nothing twice, in id order.
///
/// A member joins catching up: it is registered before the record is read, so batches committed
/// meanwhile wait here. `goLive(seenThrough:)` drops what the history already held. The backlog
/// also holds batches a live member cannot take yet (its outbound budget is full); they are shared
/// with every other member, so waiting costs a reference, not a copy.
public struct LiveCursor<Batch: CommittedBatch> {
    public enum Phase: Sendable, Equatable {
        case catchingUp
        case live
    }
    public private(set) var phase = Phase.catchingUp
    /// The id of the last event sent (or held by the history).
    public private(set) var lastSentID: Int64 = 0
    /// Events waiting, at most.
    public let maxBacklogEvents: Int
    public private(set) var backlogEvents = 0
    private var backlog: [Batch] = []
    private var head = 0

    public init(maxBacklogEvents: Int) {
        self.maxBacklogEvents = maxBacklogEvents
    }

    /// Queues a committed batch; false when the backlog is now over its limit (the member is too slow).
    public mutating func receive(_ batch: Batch) -> Bool {
        guard batch.lastID > lastSentID else { return true }
        backlog.append(batch)
        backlogEvents += batch.count
        return backlogEvents <= maxBacklogEvents
    }

    /// The history held everything up to `id`: from now on, batches are sent.
    public mutating func goLive(seenThrough id: Int64) {
        phase = .live
        lastSentID = max(lastSentID, id)
    }

    /// The next batch with events not yet sent, and the id they come after; nil while catching up
    /// or when nothing waits.
    public mutating func next() -> (batch: Batch, after: Int64)? {
        guard phase == .live else { return nil }
        while head < backlog.count {
            let batch = backlog[head]
            if batch.lastID > lastSentID { return (batch, lastSentID) }
            pop()
        }
        return nil
    }

    /// Events up to `id` are sent.
    public mutating func sent(through id: Int64) {
        lastSentID = max(lastSentID, id)
        while head < backlog.count, backlog[head].lastID <= lastSentID { pop() }
    }

    public var isEmpty: Bool { head == backlog.count }

    private mutating func pop() {
        backlogEvents -= backlog[head].count
        head += 1
        if head == backlog.count {
            backlog.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= backlog.count {
            backlog.removeFirst(head)
            head = 0
        }
    }
}

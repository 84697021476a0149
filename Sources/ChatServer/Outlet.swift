import ChatCore
import NIOCore

/// A member's end of the room's fan-out, confined to its channel's event loop: committed batches
/// wait in its `LiveCursor` (shared, not copied) and are written while the channel is under its
/// outbound budget (`writeBufferWaterMark`), in slices of at most `chunk` bytes.
final class Outlet {
    let channel: any Channel
    let format: WireFormat
    /// Called when more events wait than the member may hold back.
    var onTooSlow: () -> Void = {}
    private var cursor: LiveCursor<Delivery>
    private let chunk: Int
    private var flushAnnounced = false

    init(channel: any Channel, format: WireFormat, maxBacklogEvents: Int, chunk: Int) {
        self.channel = channel
        self.format = format
        self.cursor = LiveCursor(maxBacklogEvents: maxBacklogEvents)
        self.chunk = max(1, chunk)
    }

    /// Takes a committed batch and writes what the budget allows, without flushing; returns true
    /// when the member now owes a flush that it had not already announced.
    func deliver(_ delivery: Delivery) -> Bool {
        guard cursor.receive(delivery) else {
            onTooSlow()
            return false
        }
        guard writeBacklog(), !flushAnnounced else { return false }
        flushAnnounced = true
        return true
    }

    /// Flushes what `deliver` wrote.
    func flushDeliveries() {
        flushAnnounced = false
        channel.flush()
    }

    /// The catch-up was sent: from now on, every event after `id`.
    func goLive(seenThrough id: Int64) {
        cursor.goLive(seenThrough: id)
        writeBacklog()
        channel.flush()
    }

    /// The channel is under its budget again: writes on.
    func writable() {
        if writeBacklog() { channel.flush() }
    }

    /// Writes every event still owed, whatever the budget (before the last words).
    func writeAll() {
        writeBacklog(ignoringBudget: true)
    }

    @discardableResult
    private func writeBacklog(ignoringBudget: Bool = false) -> Bool {
        var wrote = false
        while ignoringBudget || channel.isWritable, let (batch, after) = cursor.next() {
            guard let (bytes, last) = batch.bytes(for: format, after: after, budget: chunk) else {
                cursor.sent(through: batch.lastID)
                continue
            }
            channel.write(bytes, promise: nil)
            cursor.sent(through: last)
            wrote = true
        }
        return wrote
    }
}

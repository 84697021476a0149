import ChatCore
import ChatModel
import NIOCore

/// A member's end of the fan-out, confined to its channel's event loop: one subscription per room
/// it is in (and one for its private messages), each with its own `LiveCursor`, so every room's
/// events reach it in order, exactly once, whatever the other rooms do. Committed batches wait in
/// the cursors (shared, not copied) and are written while the channel is under its outbound
/// budget (`writeBufferWaterMark`), in slices of at most `chunk` bytes.
final class Outlet {
    let channel: any Channel
    /// The member's connection (`ConnectionStateMachine.connection`).
    let connection: Int64
    var format: WireFormat
    /// The member's own events it does not get (an IRC client's).
    var ownEvents: OwnEventFilter?
    /// Called when more events wait than the member may hold back.
    var onTooSlow: () -> Void = {}
    /// Called with the room a room kick put the member out of, once the kick is written.
    var onKicked: (String) -> Void = { _ in }
    /// By subscription key (a room's key, or `Room.privateName`).
    private var subscriptions: [String: Subscription] = [:]
    private let maxBacklogEvents: Int
    private let chunk: Int
    private var flushAnnounced = false

    private final class Subscription {
        var cursor: LiveCursor<Delivery>
        /// Where the fan-out has it: the room's key, or the mailbox of a name.
        var hubKey: String
        /// A plain member's events of a room that is not its current one carry the room.
        var withRoom = false

        init(cursor: LiveCursor<Delivery>, hubKey: String) {
            self.cursor = cursor
            self.hubKey = hubKey
        }
    }

    init(channel: any Channel, connection: Int64, format: WireFormat, maxBacklogEvents: Int, chunk: Int) {
        self.channel = channel
        self.connection = connection
        self.format = format
        self.maxBacklogEvents = maxBacklogEvents
        self.chunk = max(1, chunk)
    }

    /// Holds `key`'s events back (until `goLive`) from now on; `hubKey` is where the hub has it.
    func subscribe(_ key: String, hubKey: String) {
        subscriptions[key] = Subscription(cursor: LiveCursor(maxBacklogEvents: maxBacklogEvents), hubKey: hubKey)
    }

    /// No more of `key`'s events; returns where the hub had it.
    func unsubscribe(_ key: String) -> String? {
        subscriptions.removeValue(forKey: key)?.hubKey
    }

    /// Every subscription's hub key.
    var hubKeys: [String] { subscriptions.values.map(\.hubKey) }

    /// The private messages now come by way of `hubKey`.
    func moveMailbox(to hubKey: String) {
        subscriptions[Room.privateName]?.hubKey = hubKey
    }

    /// A plain member in several rooms sees the room of every event outside `current`.
    func roomsChanged(current: String) {
        let rooms = subscriptions.filter { $0.key != Room.privateName }
        let marked = format == .plain && rooms.count > 1
        for (key, subscription) in rooms { subscription.withRoom = marked && key != Room.key(current) }
    }

    /// Takes a committed batch and writes what the budget allows, without flushing; returns true
    /// when the member now owes a flush that it had not already announced.
    func deliver(_ delivery: Delivery) -> Bool {
        guard let subscription = subscriptions[delivery.key] else { return false }
        guard subscription.cursor.receive(delivery) else {
            onTooSlow()
            return false
        }
        guard write(subscription), !flushAnnounced else { return false }
        flushAnnounced = true
        return true
    }

    /// A delivered batch put the member out of room `key`: what is owed of it (the kick among
    /// it) is written whatever the budget, then `onKicked` takes it out of the room.
    func kicked(from key: String) {
        guard let subscription = subscriptions[key] else { return }
        write(subscription, ignoringBudget: true)
        flushAnnounced = false
        channel.flush()
        onKicked(key)
    }

    /// Flushes what `deliver` wrote.
    func flushDeliveries() {
        flushAnnounced = false
        channel.flush()
    }

    /// `key`'s catch-up was sent: from now on, its every event after `id`.
    func goLive(_ key: String, seenThrough id: Int64) {
        guard let subscription = subscriptions[key] else { return }
        subscription.cursor.goLive(seenThrough: id)
        write(subscription)
        channel.flush()
    }

    /// The channel is under its budget again: writes on.
    func writable() {
        var wrote = false
        for subscription in subscriptions.values where write(subscription) { wrote = true }
        if wrote { channel.flush() }
    }

    /// Writes every event still owed, whatever the budget (before the last words).
    func writeAll() {
        for subscription in subscriptions.values { write(subscription, ignoringBudget: true) }
    }

    @discardableResult
    private func write(_ subscription: Subscription, ignoringBudget: Bool = false) -> Bool {
        let format = subscription.withRoom ? WireFormat.plainWithRoom : self.format
        var wrote = false
        while ignoringBudget || channel.isWritable, let (batch, after) = subscription.cursor.next() {
            guard let (bytes, last) = batch.bytes(for: format, after: after, budget: chunk, filter: ownEvents) else {
                subscription.cursor.sent(through: batch.lastID)
                continue
            }
            subscription.cursor.sent(through: last)
            // Nil or empty: only events this member is not sent (its own, or IRC's tags-only messages).
            guard let bytes, bytes.readableBytes > 0 else { continue }
            channel.write(bytes, promise: nil)
            wrote = true
        }
        return wrote
    }
}

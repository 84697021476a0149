import ChatModel
import NIOConcurrencyHelpers
import NIOCore

/// The fan-out of committed events: one `LiveRoom` per room, and one per person for private
/// messages, each with its members' `Outlet`s. A batch costs what its rooms' members cost, not
/// what the server's do.
final class RoomHub: Sendable {
    private let rooms = NIOLockedValueBox<[String: LiveRoom]>([:])
    /// When the server has an IRC door, its name: batches are encoded for IRC members too.
    private let ircServerName: String?

    init(ircServerName: String? = nil) {
        self.ircServerName = ircServerName
    }

    /// The hub key of `name`'s private messages.
    static func mailbox(_ name: String) -> String { "@" + name.lowercased() }

    /// Adds `outlet` to the room (or mailbox) `hubKey`; call on the outlet's event loop.
    func add(_ outlet: Outlet, to hubKey: String) {
        let room = rooms.withLockedValue { rooms in
            if let room = rooms[hubKey] { return room }
            let room = LiveRoom()
            rooms[hubKey] = room
            return room
        }
        room.add(outlet)
    }

    /// Takes `outlet` out of `hubKey`; a mailbox nobody reads is forgotten. Call on its event loop.
    func remove(_ outlet: Outlet, from hubKey: String) {
        rooms.withLockedValue { rooms in
            guard let room = rooms[hubKey] else { return }
            if room.remove(outlet) == 0, hubKey.hasPrefix("@") { rooms[hubKey] = nil }
        }
    }

    /// Fans a committed batch out, each room's events to that room's members, each private
    /// message to its sender's and its recipient's mailboxes. Called on the store's writer
    /// thread (a PostgreSQL node's follower), in id order. `timing`, shared by the batch's
    /// deliveries, times its first write. `connectionOf` finds the connection of a member of this
    /// server by name: a room kick puts its target out of the room as the kick is written to it
    /// (`LoopFanout`), so nothing it sends after seeing the kick is taken as said in the room.
    func deliver(
        _ events: [Event], timing: DeliveryTiming? = nil, connectionOf: (String) -> Int64? = { _ in nil }
    ) {
        guard let first = events.first else { return }
        var kicked: [String: [Int64]] = [:]
        for event in events where event.kind == .roomKick {
            if let target = event.target, let connection = connectionOf(target) {
                kicked[Room.key(event.room), default: []].append(connection)
            }
        }
        if !first.isPrivate, events.allSatisfy({ $0.room == first.room }) {
            // The usual batch: one room's.
            guard let room = rooms.withLockedValue({ $0[Room.key(first.room)] }) else { return }
            var delivery = Delivery(events, ircServerName: ircServerName)
            delivery.timing = timing
            delivery.kicked = Set(kicked[Room.key(first.room)] ?? [])
            room.deliver(delivery)
            return
        }
        var byKey: [String: [Event]] = [:]
        var order: [String] = []
        func add(_ event: Event, to key: String) {
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(event)
        }
        for event in events {
            if let recipient = event.recipient {
                add(event, to: Self.mailbox(event.user))
                if recipient.lowercased() != event.user.lowercased() { add(event, to: Self.mailbox(recipient)) }
            } else {
                add(event, to: Room.key(event.room))
            }
        }
        let targets = rooms.withLockedValue { rooms in order.map { (rooms[$0], $0) } }
        for case (let room?, let key) in targets {
            var delivery = Delivery(
                byKey[key]!, key: key.hasPrefix("@") ? Room.privateName : key, ircServerName: ircServerName)
            delivery.timing = timing
            delivery.kicked = Set(kicked[key] ?? [])
            room.deliver(delivery)
        }
    }
}

/// One room's members, by event loop. A committed batch is encoded once and handed to each event
/// loop in one task, which writes it to every member on that loop: one write per member per
/// batch, and one flush per member per turn of its event loop however many batches arrived
/// meanwhile (see `LoopFanout`).
final class LiveRoom: Sendable {
    private let loops = NIOLockedValueBox<(fanouts: [ObjectIdentifier: NIOLoopBound<LoopFanout>], members: Int)>(
        ([:], 0))

    /// Adds `outlet`; from now on it gets every batch. Call on its event loop.
    func add(_ outlet: Outlet) {
        let loop = outlet.channel.eventLoop
        let fanout = loops.withLockedValue { loops in
            loops.members += 1
            if let fanout = loops.fanouts[ObjectIdentifier(loop)] { return fanout }
            let fanout = NIOLoopBound(LoopFanout(loop: loop), eventLoop: loop)
            loops.fanouts[ObjectIdentifier(loop)] = fanout
            return fanout
        }
        fanout.value.outlets.append(outlet)
    }

    /// Takes `outlet` out; it gets no more batches. Call on its event loop. Returns the members left.
    @discardableResult
    func remove(_ outlet: Outlet) -> Int {
        let loop = outlet.channel.eventLoop
        let (fanout, left) = loops.withLockedValue { loops in
            loops.members -= 1
            return (loops.fanouts[ObjectIdentifier(loop)], loops.members)
        }
        fanout?.value.outlets.removeAll { $0 === outlet }
        return left
    }

    /// Fans a committed batch out to every member. Called on the store's writer thread, in id order.
    func deliver(_ delivery: Delivery) {
        for fanout in loops.withLockedValue({ Array($0.fanouts.values) }) {
            fanout.eventLoop.execute { fanout.value.deliver(delivery) }
        }
    }
}

/// The fan-out work of one event loop, confined to it (held in a `NIOLoopBound`). Batches write
/// at once; flushes wait for a task queued behind them, so when batches arrive faster than the
/// loop turns, each member gets one flush (one system call) for all of them.
final class LoopFanout {
    let loop: any EventLoop
    var outlets: [Outlet] = []
    private var unflushed: [Outlet] = []

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func deliver(_ delivery: Delivery) {
        let wasIdle = unflushed.isEmpty
        for outlet in outlets {
            if outlet.deliver(delivery) { unflushed.append(outlet) }
            if delivery.kicked.contains(outlet.connection) { outlet.kicked(from: delivery.key) }
        }
        delivery.timing?.written()
        guard wasIdle && !unflushed.isEmpty else { return }
        let this = NIOLoopBound(self, eventLoop: loop)
        loop.execute { this.value.flush() }
    }

    private func flush() {
        let outlets = unflushed
        unflushed.removeAll(keepingCapacity: true)
        for outlet in outlets { outlet.flushDeliveries() }
    }
}

import ChatModel
import NIOConcurrencyHelpers
import NIOCore

/// The fan-out of a room's committed events to its members' `Outlet`s. A committed batch is
/// encoded once and handed to each event loop in one task, which writes it to every member on
/// that loop: one write per member per batch, and one flush per member per turn of its event loop
/// however many batches arrived meanwhile (see `LoopFanout`).
final class LiveRoom: Sendable {
    let name: String
    private let loops = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<LoopFanout>]>([:])

    init(name: String) {
        self.name = name
    }

    /// Adds `outlet`; from now on it gets every batch. Call on its event loop.
    func add(_ outlet: Outlet) {
        let loop = outlet.channel.eventLoop
        let fanout = loops.withLockedValue { loops in
            if let fanout = loops[ObjectIdentifier(loop)] { return fanout }
            let fanout = NIOLoopBound(LoopFanout(loop: loop), eventLoop: loop)
            loops[ObjectIdentifier(loop)] = fanout
            return fanout
        }
        fanout.value.outlets.append(outlet)
    }

    /// Takes `outlet` out; it gets no more batches. Call on its event loop.
    func remove(_ outlet: Outlet) {
        let loop = outlet.channel.eventLoop
        loops.withLockedValue { $0[ObjectIdentifier(loop)] }?.value.outlets.removeAll { $0 === outlet }
    }

    /// Fans a committed batch out to every member. Called on the store's writer thread, in id order.
    func deliver(_ events: [Event]) {
        let ours = events.filter { $0.room == name }
        guard !ours.isEmpty else { return }
        let delivery = Delivery(ours)
        for fanout in loops.withLockedValue({ Array($0.values) }) {
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
        for outlet in outlets where outlet.deliver(delivery) { unflushed.append(outlet) }
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

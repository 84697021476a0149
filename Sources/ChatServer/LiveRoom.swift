import ChatModel
import ChatProtocol
import ChatStore
import NIOConcurrencyHelpers
import NIOCore

/// The people in a room and the fan-out of its events. Names are unique without regard to case.
/// A committed batch is encoded once and handed to each event loop in one task, which writes it
/// to every member on that loop: one write per member per batch, and one flush per member per
/// turn of its event loop however many batches arrived meanwhile (see `LoopFanout`).
final class LiveRoom: Sendable {
    let name: String

    private struct State {
        var names: [String: (name: String, member: Member)] = [:]
        var byLoop: [ObjectIdentifier: (fanout: LoopFanout, members: [Member])] = [:]
    }
    private let state = NIOLockedValueBox(State())

    init(name: String) {
        self.name = name
    }

    /// Admits `member` under `requested` (already normalised and not reserved), or under
    /// `requested2`, `requested3`, ... when taken. The member starts catching up: it buffers live
    /// events until `Member.goLive`. Returns the name given.
    func admit(_ member: Member, as requested: String) -> String {
        state.withLockedValue { state in
            let name = NameRules.unique(requested) { state.names[$0.lowercased()] != nil }
            state.names[name.lowercased()] = (name, member)
            let key = ObjectIdentifier(member.channel.eventLoop)
            state.byLoop[key, default: (LoopFanout(loop: member.channel.eventLoop), [])].members.append(member)
            return name
        }
    }

    /// Takes `member` out of the room; it gets no more events.
    func remove(_ member: Member, named name: String) {
        state.withLockedValue { state in
            if state.names[name.lowercased()]?.member === member { state.names[name.lowercased()] = nil }
            let key = ObjectIdentifier(member.channel.eventLoop)
            state.byLoop[key]?.members.removeAll { $0 === member }
        }
    }

    /// The names in the room, sorted.
    var names: [String] {
        state.withLockedValue { $0.names.values.map(\.name) }.sorted {
            $0.localizedLowercase < $1.localizedLowercase
        }
    }

    var count: Int { state.withLockedValue { $0.names.count } }

    /// Fans a committed batch out to every member. Called on the store's writer thread, in id order.
    func deliver(_ events: [Event]) {
        let ours = events.filter { $0.room == name }
        guard !ours.isEmpty else { return }
        let delivery = Delivery(ours)
        let loops = state.withLockedValue { Array($0.byLoop.values) }
        for (fanout, members) in loops where !members.isEmpty {
            fanout.loop.execute { fanout.deliver(delivery, to: members) }
        }
    }
}

/// The fan-out work of one event loop, confined to it. Batches write at once; flushes wait for
/// a task queued behind them, so when batches arrive faster than the loop turns, each member gets
/// one flush (one system call) for all of them.
final class LoopFanout: @unchecked Sendable {
    let loop: EventLoop
    private var unflushed: [Member] = []

    init(loop: EventLoop) {
        self.loop = loop
    }

    func deliver(_ delivery: Delivery, to members: [Member]) {
        let wasIdle = unflushed.isEmpty
        for member in members where member.deliver(delivery) { unflushed.append(member) }
        if wasIdle && !unflushed.isEmpty { loop.execute { self.flush() } }
    }

    private func flush() {
        let members = unflushed
        unflushed.removeAll(keepingCapacity: true)
        for member in members { member.flushDeliveries() }
    }
}

import ChatModel
import ChatStore
import NIOConcurrencyHelpers
import NIOCore

/// One connection's deliveries, from accept to close. What it sends and when it goes live is
/// decided on its event loop; its `ConnectionHandler` and the store's writer only hand it work.
final class Member: @unchecked Sendable {
    /// The connection's number within the session.
    let id: Int64
    let channel: Channel
    private let maxPendingEvents: Int

    private struct Shared {
        var mode = WireMode.plain
        var reason: LeaveReason?
    }
    private let shared = NIOLockedValueBox(Shared())

    // Confined to `channel.eventLoop`.
    private var pending: [Delivery]? = []
    private var pendingEvents = 0
    private var lastSentID: Int64 = 0
    private var flushPending = false

    init(id: Int64, channel: Channel, maxPendingEvents: Int) {
        self.id = id
        self.channel = channel
        self.maxPendingEvents = maxPendingEvents
    }

    var mode: WireMode {
        get { shared.withLockedValue { $0.mode } }
        set { shared.withLockedValue { $0.mode = newValue } }
    }

    /// The peer's address, for the log.
    var peer: String { ChatServer.describe(channel.remoteAddress) }

    /// Why the server ended the connection, if it did.
    var reason: LeaveReason? { shared.withLockedValue { $0.reason } }

    /// Sends bytes now, outside the event order (greetings, replies, errors).
    func send(_ buffer: ByteBuffer) {
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Sends a text line now.
    func send(line: String) {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        send(buffer)
    }

    /// Hands the member a committed batch without flushing; returns true when the member now has
    /// bytes to flush that it had not already announced. Call on its event loop.
    func deliver(_ delivery: Delivery) -> Bool {
        if pending != nil {
            pendingEvents += delivery.count
            pending!.append(delivery)
            if pendingEvents > maxPendingEvents { disconnect(.tooSlow) }
            return false
        }
        guard let bytes = delivery.bytes(for: mode, after: lastSentID) else { return false }
        lastSentID = delivery.lastID
        channel.write(bytes, promise: nil)
        if !channel.isWritable {
            disconnect(.tooSlow)
            return false
        }
        defer { flushPending = true }
        return !flushPending
    }

    /// Flushes what `deliver` wrote. Call on its event loop.
    func flushDeliveries() {
        flushPending = false
        channel.flush()
    }

    /// Sends the greeting and history in `prefix`, then every batch that arrived meanwhile that
    /// the history did not already hold, and from then on delivers live: nothing missed, nothing twice.
    /// Call on its event loop, so that nothing sent afterwards overtakes the history.
    func goLive(prefix: ByteBuffer, seenThrough lastHistoryID: Int64) {
        channel.eventLoop.preconditionInEventLoop()
        channel.write(prefix, promise: nil)
        lastSentID = max(lastSentID, lastHistoryID)
        for delivery in pending ?? [] {
            guard let bytes = delivery.bytes(for: mode, after: lastSentID) else { continue }
            lastSentID = delivery.lastID
            channel.write(bytes, promise: nil)
        }
        pending = nil
        channel.flush()
    }

    /// Closes the connection, recording why (the first reason wins).
    func disconnect(_ reason: LeaveReason) {
        shared.withLockedValue { if $0.reason == nil { $0.reason = reason } }
        channel.close(promise: nil)
    }

    /// Sends `notice`, half-closes once it is out so the peer reads it and then the end, and
    /// closes for good after `grace` whatever the peer does.
    func shutdown(notice: (plain: String, json: String), grace: TimeAmount) {
        shared.withLockedValue { if $0.reason == nil { $0.reason = .serverShutdown } }
        channel.eventLoop.execute { [self] in
            finish(saying: mode == .plain ? notice.plain : notice.json, grace: grace)
        }
    }

    /// Sends `line` if any, half-closes once everything is out so the peer reads it and then the
    /// end, and closes for good after `grace` whatever the peer does. Call on its event loop.
    func finish(saying line: String?, grace: TimeAmount) {
        var buffer = channel.allocator.buffer(capacity: 128)
        if let line {
            buffer.writeString(line)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(buffer, promise: written)
        let timer = channel.eventLoop.scheduleTask(in: grace) { [channel] in channel.close(promise: nil) }
        written.futureResult.whenComplete { [channel] result in
            guard case .success = result else { return }
            channel.close(mode: .output, promise: nil)
            channel.read()  // to see the peer's end, whatever its handler had stopped reading for
        }
        channel.closeFuture.whenComplete { _ in timer.cancel() }
    }
}

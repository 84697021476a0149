import ChatModel
import ChatProtocol
import ChatStore
import NIOCore

/// How a connection speaks: plain text lines for people with `nc`, JSON lines for our tools.
enum WireMode: Sendable {
    case plain
    case structured
}

/// A committed batch of events, encoded once for every recipient: one buffer of plain lines and
/// one of JSON lines, with where each event ends, so a recipient gets the whole batch in one
/// write, or a slice of it when it has already seen the first events.
struct Delivery: Sendable {
    let ids: [Int64]
    private let plain: ByteBuffer
    private let plainEnds: [Int]
    private let json: ByteBuffer
    private let jsonEnds: [Int]

    init(_ events: [Event], allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        var plain = allocator.buffer(capacity: events.count * 96)
        var json = allocator.buffer(capacity: events.count * 224)
        var plainEnds: [Int] = []
        var jsonEnds: [Int] = []
        plainEnds.reserveCapacity(events.count)
        jsonEnds.reserveCapacity(events.count)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)
        for event in events {
            plain.writeString(PlainText.line(event))
            plain.writeInteger(UInt8(ascii: "\n"))
            plainEnds.append(plain.writerIndex)
            scratch.removeAll(keepingCapacity: true)
            ServerMessage.appendEvent(event, history: false, to: &scratch)
            scratch.append(UInt8(ascii: "\n"))
            json.writeBytes(scratch)
            jsonEnds.append(json.writerIndex)
        }
        self.ids = events.map(\.id)
        self.plain = plain
        self.plainEnds = plainEnds
        self.json = json
        self.jsonEnds = jsonEnds
    }

    var lastID: Int64 { ids.last ?? 0 }
    var count: Int { ids.count }

    /// The bytes of the events with ids above `seen`, in `mode`; nil when there are none.
    func bytes(for mode: WireMode, after seen: Int64) -> ByteBuffer? {
        guard let first = ids.firstIndex(where: { $0 > seen }) else { return nil }
        let (buffer, ends) = mode == .plain ? (plain, plainEnds) : (json, jsonEnds)
        if first == 0 { return buffer }
        let start = ends[first - 1]
        return buffer.getSlice(at: start, length: buffer.writerIndex - start)
    }
}

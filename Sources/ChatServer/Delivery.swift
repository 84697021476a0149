import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// The wire formats committed events are encoded in, once per batch, for every door that speaks
/// it. A new door with a new event syntax (IRC) adds a case here and its encoding below.
enum WireFormat: Sendable {
    case plain
    /// Plain lines marked with their room, `[#dev] alice: hi`: for a plain member in several
    /// rooms, the events of the rooms other than its current one.
    case plainWithRoom
    case json
}

/// A committed batch of one room's events (or of one person's private messages), encoded once
/// for every recipient: a buffer of plain lines, one of plain lines marked with the room, and one
/// of JSON lines, with where each event ends, so a recipient gets the whole batch in one write, or
/// a slice of it when it has already seen the first events or has room for fewer.
struct Delivery: CommittedBatch {
    /// The subscription it is for: a room's key, or `Room.privateName` for private messages.
    let key: String
    let ids: [Int64]
    private let plain: ByteBuffer
    private let plainEnds: [Int]
    private let plainWithRoom: ByteBuffer
    private let plainWithRoomEnds: [Int]
    private let json: ByteBuffer
    private let jsonEnds: [Int]

    init(_ events: [Event], key: String? = nil, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.key = key ?? events.first.map { Room.key($0.room) } ?? ""
        var plain = allocator.buffer(capacity: events.count * 96)
        var json = allocator.buffer(capacity: events.count * 224)
        var plainEnds: [Int] = []
        var jsonEnds: [Int] = []
        plainEnds.reserveCapacity(events.count)
        jsonEnds.reserveCapacity(events.count)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)
        let prefix = events.first.map { $0.isPrivate ? "" : "[\(Room.display($0.room))] " } ?? ""
        var plainWithRoom = allocator.buffer(capacity: prefix.isEmpty ? 0 : events.count * (96 + prefix.utf8.count))
        var plainWithRoomEnds: [Int] = []
        for event in events {
            let line = PlainText.line(event)
            plain.writeString(line)
            plain.writeInteger(UInt8(ascii: "\n"))
            plainEnds.append(plain.writerIndex)
            if !prefix.isEmpty {
                plainWithRoom.writeString(prefix)
                plainWithRoom.writeString(line)
                plainWithRoom.writeInteger(UInt8(ascii: "\n"))
                plainWithRoomEnds.append(plainWithRoom.writerIndex)
            }
            scratch.removeAll(keepingCapacity: true)
            ServerMessage.appendEvent(event, history: false, to: &scratch)
            scratch.append(UInt8(ascii: "\n"))
            json.writeBytes(scratch)
            jsonEnds.append(json.writerIndex)
        }
        self.ids = events.map(\.id)
        self.plain = plain
        self.plainEnds = plainEnds
        self.plainWithRoom = prefix.isEmpty ? plain : plainWithRoom
        self.plainWithRoomEnds = prefix.isEmpty ? plainEnds : plainWithRoomEnds
        self.json = json
        self.jsonEnds = jsonEnds
    }

    var lastID: Int64 { ids.last ?? 0 }
    var count: Int { ids.count }

    /// The bytes of the events with ids above `seen`, in `format`, as many whole events as fit in
    /// `budget` bytes (at least one), and the id of the last one; nil when there are none.
    func bytes(for format: WireFormat, after seen: Int64, budget: Int = .max) -> (ByteBuffer, lastID: Int64)? {
        guard let first = ids.firstIndex(where: { $0 > seen }) else { return nil }
        let (buffer, ends) =
            switch format {
            case .plain: (plain, plainEnds)
            case .plainWithRoom: (plainWithRoom, plainWithRoomEnds)
            case .json: (json, jsonEnds)
            }
        let start = first == 0 ? 0 : ends[first - 1]
        var last = ends.count - 1
        if ends[last] - start > budget {
            last = first
            while last + 1 < ends.count, ends[last + 1] - start <= budget { last += 1 }
        }
        if first == 0 && last == ends.count - 1 { return (buffer, lastID) }
        return (buffer.getSlice(at: start, length: ends[last] - start)!, ids[last])
    }
}

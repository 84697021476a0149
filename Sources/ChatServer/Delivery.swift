import ChatCore
import ChatModel
import ChatProtocol
import NIOConcurrencyHelpers
import NIOCore

/// The wire formats committed events are encoded in, once per batch, for every door that speaks
/// it. A new door with a new event syntax (IRC) adds a case here and its encoding below.
enum WireFormat: Sendable, Equatable {
    case plain
    /// Plain lines marked with their room, `[#dev] alice: hi`: for a plain member in several
    /// rooms, the events of the rooms other than its current one.
    case plainWithRoom
    case json
    /// IRC lines with the tags the client asked for (`server-time`, `message-tags`).
    case irc(IRCLines.Tags)
}

/// Whose events a member does not get live, and which of them: an IRC client's own join, rename
/// and quit (its door says them), and its own messages unless it asked for `echo-message`.
struct OwnEventFilter: Sendable, Equatable {
    /// The member's name, as `RoomHub.mailbox` keys it.
    var key: String
    var echo: Bool

    init(name: String, echo: Bool) {
        self.key = name.lowercased()
        self.echo = echo
    }
}

/// A committed batch of one room's events (or of one person's private messages), encoded once
/// for every recipient: a buffer of plain lines, one of plain lines marked with the room, and one
/// of JSON lines, with where each event ends, so a recipient gets the whole batch in one write, or
/// a slice of it when it has already seen the first events or has room for fewer.
struct Delivery: CommittedBatch {
    /// The subscription it is for: a room's key, or `Room.privateName` for private messages.
    let key: String
    let ids: [Int64]
    /// Times the batch's first write, when the server serves metrics.
    var timing: DeliveryTiming?
    /// The connections of this server that a room kick of the batch puts out of its room.
    var kicked: Set<Int64> = []
    private let plain: ByteBuffer
    private let plainEnds: [Int]
    private let plainWithRoom: ByteBuffer
    private let plainWithRoomEnds: [Int]
    private let json: ByteBuffer
    private let jsonEnds: [Int]
    /// When the server has an IRC door: the IRC lines without tags, with `time`, and with `time`
    /// and `msgid`, each encoded once when first asked for; each event's author (lowercased) and
    /// what it is to its author.
    private let irc: IRCEncodings?

    /// A batch's IRC lines, each variant encoded on first use (most IRC clients ask for no tags,
    /// or all of them): shared by the event loops, so behind a lock.
    private final class IRCEncodings: Sendable {
        let authors: [String]
        /// The authors of events their author may not get: most members are none of them.
        let hidingAuthors: Set<String>
        let own: [IRCLines.OwnEvent]
        private let events: [Event]
        private let serverName: String
        private let lines = NIOLockedValueBox<[(buffer: ByteBuffer, ends: [Int])?]>([nil, nil, nil])

        private static let variants: [IRCLines.Tags] = [[], [.time], [.time, .msgid]]

        init(_ events: [Event], serverName: String) {
            self.events = events
            self.serverName = serverName
            authors = events.map { $0.user.lowercased() }
            own = events.map(IRCLines.own)
            hidingAuthors = Set(zip(authors, own).filter { $0.1 != .sent }.map(\.0))
        }

        /// The encoding for a client that asked for `tags`.
        func variant(_ tags: IRCLines.Tags) -> (buffer: ByteBuffer, ends: [Int]) {
            let index = tags.contains(.msgid) ? 2 : tags.contains(.time) ? 1 : 0
            return lines.withLockedValue { lines in
                if let encoded = lines[index] { return encoded }
                var buffer = ByteBufferAllocator().buffer(capacity: events.count * 128)
                var ends: [Int] = []
                var scratch: [UInt8] = []
                for event in events {
                    scratch.removeAll(keepingCapacity: true)
                    IRCLines.append(event, tags: Self.variants[index], serverName: serverName, to: &scratch)
                    buffer.writeBytes(scratch)
                    ends.append(buffer.writerIndex)
                }
                lines[index] = (buffer, ends)
                return (buffer, ends)
            }
        }

        func hides(_ index: Int, from filter: OwnEventFilter) -> Bool {
            guard authors[index] == filter.key else { return false }
            switch own[index] {
            case .sent: return false
            case .said: return true
            case .echo: return !filter.echo
            }
        }
    }

    init(
        _ events: [Event], key: String? = nil, ircServerName: String? = nil,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) {
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
            guard event.kind != .tagMessage else {
                // Tags-only messages are IRC's alone (TAGMSG): nothing in the other formats.
                plainEnds.append(plain.writerIndex)
                if !prefix.isEmpty { plainWithRoomEnds.append(plainWithRoom.writerIndex) }
                jsonEnds.append(json.writerIndex)
                continue
            }
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
        self.irc = ircServerName.map { IRCEncodings(events, serverName: $0) }
    }

    var lastID: Int64 { ids.last ?? 0 }
    var count: Int { ids.count }

    /// The bytes of the events with ids above `seen`, in `format`, as many whole events as fit in
    /// `budget` bytes (at least one), and the id of the last one; nil when there are none. With
    /// `filter`, the events it hides are passed over: the bytes stop before the next one, and are
    /// nil when only hidden events were passed over.
    func bytes(
        for format: WireFormat, after seen: Int64, budget: Int = .max, filter: OwnEventFilter? = nil
    ) -> (ByteBuffer?, lastID: Int64)? {
        guard var first = ids.firstIndex(where: { $0 > seen }) else { return nil }
        let (buffer, ends) =
            switch format {
            case .plain: (plain, plainEnds)
            case .plainWithRoom: (plainWithRoom, plainWithRoomEnds)
            case .json: (json, jsonEnds)
            case .irc(let tags): irc?.variant(tags) ?? (plain, plainEnds)
            }
        var end = ends.count - 1
        if let filter, let irc, irc.hidingAuthors.contains(filter.key) {
            while first < ids.count, irc.hides(first, from: filter) { first += 1 }
            guard first < ids.count else { return (nil, lastID) }
            if let hidden = (first..<ids.count).first(where: { irc.hides($0, from: filter) }) { end = hidden - 1 }
        }
        let start = first == 0 ? 0 : ends[first - 1]
        var last = end
        if ends[last] - start > budget {
            last = first
            while last < end, ends[last + 1] - start <= budget { last += 1 }
        }
        if first == 0 && last == ends.count - 1 { return (buffer, lastID) }
        return (buffer.getSlice(at: start, length: ends[last] - start)!, ids[last])
    }
}

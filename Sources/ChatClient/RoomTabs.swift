import ChatModel

/// The rooms as the person sees them: which ones they are in (in the order joined, which
/// Alt+1…9 follow), the current one, and the unread count of each other one; the prompt's label.
public struct RoomTabs: Sendable, Equatable {
    /// The rooms and the current one.
    public private(set) var marks = RoomMarks()
    /// Unread messages by `Room.key`, for rooms other than the current one.
    public private(set) var unread: [String: Int] = [:]
    /// The server knows rooms (its welcome had a token): requests name their room. An older
    /// server has one room and is sent no room names.
    public var serverHasRooms = false

    public init() {}

    /// The room typed lines go to, as the server should be told (nil: an older server).
    public var target: String? { serverHasRooms ? marks.current : nil }

    /// Now in `room`; `makeCurrent` when the person asked for it (a join answer).
    public mutating func enter(_ room: String, makeCurrent: Bool) {
        marks.enter(room)
        if makeCurrent { switchTo(room) }
    }

    /// Out of `room`; when it was current, the room joined last is current now, its messages read.
    public mutating func leave(_ room: String) {
        marks.leave(room)
        unread[Room.key(room)] = nil
        if let current = marks.current { unread[Room.key(current)] = nil }
    }

    /// Makes `room` current and clears its unread count; false when not in it.
    @discardableResult
    public mutating func switchTo(_ room: String) -> Bool {
        guard marks.makeCurrent(room) else { return false }
        unread[Room.key(room)] = nil
        return true
    }

    /// The `number`th room in the order joined (1 is the first); nil when there is none.
    public func room(number: Int) -> String? {
        marks.rooms.indices.contains(number - 1) ? marks.rooms[number - 1] : nil
    }

    /// True when `room` is the current one (or there is none yet): its events need no label.
    public func isCurrent(_ room: String) -> Bool {
        guard let current = marks.current else { return true }
        return Room.key(current) == Room.key(room)
    }

    /// Counts `event` as unread when it is a message or action of a room other than the current one.
    public mutating func count(_ event: Event) {
        guard !event.isPrivate, event.kind.isSpeech, !isCurrent(event.room) else {
            return
        }
        unread[Room.key(event.room), default: 0] += 1
    }

    /// The prompt's room part: `[#main] ` and, for rooms with unread messages in the order
    /// joined, `(dev 3, ops 1) `. Empty before the first welcome.
    public var label: String {
        guard let current = marks.current else { return "" }
        let counts = marks.rooms.compactMap { room -> String? in
            guard let count = unread[Room.key(room)], count > 0 else { return nil }
            return "\(TextSanitizer.clean(room)) \(count)"
        }
        let room = "[\(Room.display(TextSanitizer.clean(current)))] "
        return counts.isEmpty ? room : room + "(" + counts.joined(separator: ", ") + ") "
    }
}

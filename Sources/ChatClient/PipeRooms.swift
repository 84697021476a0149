import ChatModel
import ChatProtocol

/// Rooms in a pipe: where input lines go, and when output lines name their room.
///
/// A pipe cannot watch for the answer to `/join` before its next line is read, so a join or a
/// switch takes effect at once for the lines after it (they name that room; the server refuses
/// them if the join failed). Output lines carry no room while one room is involved, exactly as a
/// single-room client's; from the first event of a second room, or the first private message,
/// every event line starts with its room: `[#dev] alice: hi`.
public struct PipeRooms: Sendable, Equatable {
    /// The room lines go to; nil: the server's current room.
    public private(set) var current: String?
    /// The server knows rooms: requests name their room.
    public private(set) var serverHasRooms = false
    /// Event lines name their room.
    public private(set) var labelled = false
    private var firstRoom: String?
    private var name = ""

    public init() {}

    /// True when lines of `room` name it: once labels are on, or for a room other than the current one.
    public func labels(_ room: String) -> Bool {
        guard !labelled, let current else { return labelled }
        return Room.key(current) != Room.key(room)
    }

    /// The room input lines name (nil to a server without rooms).
    public var target: String? { serverHasRooms ? current : nil }

    /// What a typed line means here: `/join` and `/switch` send a join (which also makes a room
    /// one is in current) and make the room current for the lines after it.
    public mutating func input(_ line: String) -> UserInput {
        switch UserInput.parse(line, room: target) {
        case .join(let room), .switchTo(let room):
            current = room
            return .send(.join(room: room))
        case let other: return other
        }
    }

    /// Follows what the session shows: the welcome, our name, our parts; turns labels on.
    public mutating func apply(_ output: ClientOutput) {
        switch output {
        case .joined(let welcome, _, _):
            serverHasRooms = welcome.token != nil
            name = welcome.name
            if current == nil { current = welcome.room }
        case .renamed(_, let to): name = to
        case .event(let event, let history):
            if event.isPrivate {
                labelled = true
            } else if let firstRoom {
                if Room.key(firstRoom) != Room.key(event.room) { labelled = true }
            } else {
                firstRoom = event.room
            }
            // Our own part of the current room (or a kick out of it), live (an old one may come
            // back in /history).
            guard history == nil, event.takesOut(name), let current else { return }
            if Room.key(current) == Room.key(event.room) { self.current = nil }
        default: break
        }
    }
}

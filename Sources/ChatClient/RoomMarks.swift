import ChatModel

/// Where a client is in each room's record, so that after a drop every room resumes right after
/// the last event shown of it: the rooms in the order joined, a `ResumeTracker` per room (and one
/// for private messages), the current room and the welcome's token.
///
/// Ids are one total order over all rooms, but a room's catch-up block may follow another room's
/// with lower ids: each room's ids are judged against that room's alone.
public struct RoomMarks: Sendable, Equatable {
    /// The rooms the client is in, as the server spells them, in the order joined.
    public private(set) var rooms: [String] = []
    /// The room typed lines go to; nil before the first welcome.
    public private(set) var current: String?
    /// The latest welcome's token: it proves the name when private messages are resumed.
    public var token: String?
    /// By `Room.key`; private messages under `Room.privateName`.
    private var trackers: [String: ResumeTracker] = [:]
    /// The highest id shown and trusted, of any room.
    private var highest: Int64?

    public init() {}

    /// True when the client is in `room` (compared without case).
    public func contains(_ room: String) -> Bool {
        rooms.contains { Room.key($0) == Room.key(room) }
    }

    /// Now in `room` (a welcome, a join answer): added after the others unless already there;
    /// the marks of a room already in are kept (a reconnect's answers).
    public mutating func enter(_ room: String) {
        if !contains(room) { rooms.append(room) }
        if current == nil { current = room }
    }

    /// Makes `room` current; false when the client is not in it.
    @discardableResult
    public mutating func makeCurrent(_ room: String) -> Bool {
        guard let known = rooms.first(where: { Room.key($0) == Room.key(room) }) else { return false }
        current = known
        return true
    }

    /// Out of `room` (a part): its marks are forgotten, so a later join shows its history again.
    /// When it was current, the room joined last becomes current.
    public mutating func leave(_ room: String) {
        rooms.removeAll { Room.key($0) == Room.key(room) }
        trackers[Room.key(room)] = nil
        if let current, Room.key(current) == Room.key(room) { self.current = rooms.last }
    }

    /// What to do with `event`, judged against the events shown of its room (or of private messages).
    public mutating func judge(_ event: Event) -> ResumeTracker.Verdict {
        let verdict = trackers[Self.key(of: event), default: ResumeTracker()].judge(event.id)
        if verdict == .new { highest = max(highest ?? event.id, event.id) }
        return verdict
    }

    /// After a `gap` in `room`'s catch-up, that room goes on from `resumedAfter`; false, and
    /// nothing changes, when it is not a believable id.
    public mutating func skip(room: String, to resumedAfter: Int64) -> Bool {
        trackers[Room.key(room), default: ResumeTracker()].skip(to: resumedAfter)
    }

    /// The id of the last event shown of `room` that can be resumed from.
    public func lastShown(in room: String) -> Int64? {
        trackers[Room.key(room)]?.lastShown
    }

    /// Where private messages resume: the last one shown or, before the first, the highest id
    /// shown at all (live events come in id order, so every private message before it arrived).
    public var privateAfter: Int64? { trackers[Room.privateName]?.lastShown ?? highest }

    /// A reconnect's rooms, each with the last event shown of it, the current room last.
    public var resumes: [RoomResume] {
        let currentKey = current.map(Room.key)
        let ordered = rooms.filter { Room.key($0) != currentKey } + rooms.filter { Room.key($0) == currentKey }
        return ordered.map { RoomResume(room: $0, resumeAfter: lastShown(in: $0)) }
    }

    /// The tracker an event belongs to.
    static func key(of event: Event) -> String {
        event.isPrivate ? Room.privateName : Room.key(event.room)
    }
}

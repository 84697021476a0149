import ChatModel

/// Tells history blocks apart, room by room: the one after hello (join history or catch-up; after
/// a reconnect one per room, and one of private messages), the one after a join, then answers to
/// `/history`. Separators appear only around blocks that have events, or answer a request.
struct BlockReader {
    /// The room of a server without rooms: a `history_end` without a room ends its block.
    private let defaultRoom: String
    /// Outputs name their room (a server with rooms); nil rooms for an older server.
    private let namesRooms: Bool
    /// Blocks announced and not ended yet, by `Room.key`: what they hold.
    private var expected: [String: HistoryKind] = [:]
    /// The block being shown.
    private var open: (key: String, room: String, kind: HistoryKind, count: Int)?
    /// A block has ended since hello: the client is live.
    private var live = false

    init(defaultRoom: String, namesRooms: Bool) {
        self.defaultRoom = defaultRoom
        self.namesRooms = namesRooms
    }

    /// A block of `kind` comes next for `room`; `unlessExpected`: keep the kind already expected
    /// (a reconnect's catch-up stays one even when the server answers it as a join).
    mutating func expect(_ kind: HistoryKind, in room: String, unlessExpected: Bool = false) {
        let key = Room.key(room)
        if unlessExpected, expected[key] != nil { return }
        expected[key] = kind
    }

    mutating func event(_ event: Event, history: Bool, session: ClientSession) async {
        guard history else {
            if await session.admit(event, history: nil) { await session.emit(.event(event, history: nil)) }
            return
        }
        let key = RoomMarks.key(of: event)
        if let open, open.key != key { await close(session: session) }
        let kind = open?.kind ?? expected(key)
        guard await session.admit(event, history: kind) else { return }
        if open == nil {
            open = (key, event.room, kind, 0)
            await session.emit(.historyBegin(kind, room: named(event.room, key: key)))
        }
        await session.emit(.event(event, history: kind))
        open?.count += 1
    }

    /// The end of `room`'s block (nil: from a server without rooms); true for the first one
    /// since hello (the client is now live).
    mutating func end(room: String?, session: ClientSession) async -> Bool {
        let room = room ?? defaultRoom
        let key = Room.key(room)
        let kind = expected(key)
        expected[key] = nil
        if let open, open.key == key {
            await session.emit(.historyEnd(open.kind, count: open.count, room: named(room, key: key)))
            self.open = nil
        } else {
            await close(session: session)
            if kind == .requested { await session.emit(.historyEnd(kind, count: 0, room: named(room, key: key))) }
        }
        defer { live = true }
        return !live
    }

    /// The connection ended inside a block: close it so the screen stays tidy.
    mutating func interrupted(session: ClientSession) async {
        await close(session: session)
    }

    private mutating func close(session: ClientSession) async {
        guard let open else { return }
        await session.emit(.historyEnd(open.kind, count: open.count, room: named(open.room, key: open.key)))
        self.open = nil
    }

    /// What the block of `key` holds: as announced; else an answer to `/history`, but for private
    /// messages, which only come from the record in a reconnect's catch-up.
    private func expected(_ key: String) -> HistoryKind {
        expected[key] ?? (key == Room.privateName ? .catchUp : .requested)
    }

    /// The room as outputs name it: nil from an older server and for private messages.
    private func named(_ room: String, key: String) -> String? {
        namesRooms && key != Room.privateName ? room : nil
    }
}

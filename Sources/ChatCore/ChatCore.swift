import ChatModel
import ChatStore

/// The rules and the record, for every door: reads for catch-up and history (`async`: the record
/// runs them where they do not block the caller's threads), and the writes that commit events
/// in order. Committed batches leave through the server's fan-out (in SQLite the writer's, in
/// PostgreSQL the tail follower's), which hands them to the doors and to
/// `ChatDirectory.committed(_:)`, for topics.
public final class ChatCore: Sendable {
    public let directory: ChatDirectory
    public let configuration: CoreConfiguration
    /// Registered names, bans and mutes.
    public let accounts: Accounts
    /// Where events are committed and read: SQLite or PostgreSQL.
    public let chatRecord: any ChatRecord

    public init(
        record: any ChatRecord, directory: ChatDirectory, configuration: CoreConfiguration,
        accounts: Accounts = .none
    ) {
        self.accounts = accounts
        self.chatRecord = record
        self.directory = directory
        self.configuration = configuration
    }

    /// A core on the SQLite record of `store`, written by `writer`.
    public convenience init(
        store: EventStore, writer: EventWriter, directory: ChatDirectory, configuration: CoreConfiguration,
        accounts: Accounts = .none
    ) {
        self.init(
            record: SQLiteRecord(store: store, writer: writer), directory: directory, configuration: configuration,
            accounts: accounts)
    }

    /// The rooms and topics of the SQLite record at `store`, for a new `ChatDirectory`. Blocks.
    public static func directory(of store: EventStore, defaultRoom: String) throws -> ChatDirectory {
        try store.read { reader in
            ChatDirectory(defaultRoom: defaultRoom, rooms: try reader.roomNames(), topics: try reader.topics())
        }
    }

    /// The rooms and topics of `record`, for a new `ChatDirectory`.
    public static func directory(of record: any RecordReader, defaultRoom: String) async throws(StoreError)
        -> ChatDirectory
    {
        ChatDirectory(defaultRoom: defaultRoom, rooms: try await record.roomNames(), topics: try await record.topics())
    }

    /// The session (server run) this core records.
    public var session: Int64 { chatRecord.session }

    /// Commits `event`; `completion` runs after the event was handed to the server's fan-out.
    public func record(_ event: NewEvent, completion: (@Sendable (Result<Event, StoreError>) -> Void)? = nil) {
        chatRecord.submit(event, completion: completion)
    }

    /// What a member entering `room` gets before its live events: the recent history, or what it
    /// missed since `resumeAfter` (with a gap when that is too much, or from another database).
    public func catchUp(room: String, resumeAfter: Int64?, history: Int?) async throws(StoreError) -> CatchUp {
        let wanted = min(history ?? configuration.history, CoreConfiguration.maxHistory)
        guard let resumeAfter else {
            return CatchUp(
                room: room, events: try await chatRecord.recent(room: room, limit: wanted), gap: nil, resumeAfter: nil)
        }
        let last = try await chatRecord.lastEventID()
        if resumeAfter > last {
            // The client's record comes from another database: start afresh.
            let events = try await chatRecord.recent(room: room, limit: wanted)
            return CatchUp(
                room: room, events: events, gap: Gap(after: resumeAfter, resumedAfter: 0), resumeAfter: resumeAfter)
        }
        // Only the first page is read here: the rest follows as the member drains
        // (`catchUpPage`), so a catch-up costs a page of memory, not the whole record.
        var after = resumeAfter
        var gap: Gap?
        var total = try await chatRecord.count(room: room, after: resumeAfter, through: last)
        if total > configuration.maxResume {
            // Too much to catch up on: the most recent ones, and a word about the rest.
            let first = try await chatRecord.eventID(room: room, fromEnd: configuration.maxResume) ?? 1
            after = first - 1
            gap = Gap(after: resumeAfter, resumedAfter: after)
            total = try await chatRecord.count(room: room, after: after, through: last)
        }
        let page = try await chatRecord.events(room: room, after: after, through: last, limit: pageEvents)
        guard page.count < total else {
            return CatchUp(room: room, events: page, gap: gap, resumeAfter: resumeAfter, through: last)
        }
        return CatchUp(room: room, events: page, gap: gap, resumeAfter: resumeAfter, total: total, through: last)
    }

    /// A page of `room`'s catch-up: its events after `id` up to `last` (see `CatchUp.through`).
    public func catchUpPage(room: String, after id: Int64, through last: Int64) async throws(StoreError) -> [Event] {
        try await chatRecord.events(room: room, after: id, through: last, limit: pageEvents)
    }

    /// The private messages `name` sent or got since `after` (at most `maxResume`), and the last
    /// event id the read covers.
    public func privateCatchUp(name: String, after: Int64) async throws(StoreError) -> (
        events: [Event], through: Int64
    ) {
        let last = try await chatRecord.lastEventID()
        let events = try await chatRecord.privateEvents(
            of: name, after: after, through: last, limit: configuration.maxResume)
        return (events, last)
    }

    private var pageEvents: Int { max(configuration.catchUpPageEvents, 1) }

    /// The messages, actions and notices within `scope` that hold every word of `words`, newest
    /// first.
    public func search(_ words: String, scope: SearchScope) async throws(StoreError) -> SearchResults {
        SearchResults(query: words, hits: try await chatRecord.search(words, in: scope))
    }

    /// `room`'s last `limit` events (at most `CoreConfiguration.maxHistory`).
    public func history(room: String, limit: Int) async throws(StoreError) -> [Event] {
        try await chatRecord.recent(room: room, limit: min(max(limit, 0), CoreConfiguration.maxHistory))
    }

    /// `room`'s messages in the window `query` asks for (at most `CoreConfiguration.maxHistory`),
    /// oldest first.
    public func history(room: String, query: HistoryQuery) async throws(StoreError) -> [Event] {
        let limit = min(max(query.limit, 0), CoreConfiguration.maxHistory)
        let chatRecord = self.chatRecord
        /// The id just below a point (`after`) or just above it.
        func bound(_ point: HistoryQuery.Point, above: Bool) async throws(StoreError) -> Int64 {
            switch point {
            case .id(let id): return id
            case .time(let millis) where above:
                return try await chatRecord.eventID(atTime: millis + 1, before: true) ?? 0
            case .time(let millis):
                return try await chatRecord.eventID(atTime: millis, before: false) ?? .max
            }
        }
        func window(above lower: Int64, below upper: Int64, newest: Bool, limit: Int) async throws(StoreError)
            -> [Event]
        {
            try await chatRecord.messages(room: room, above: lower, below: upper, limit: limit, newest: newest)
        }
        switch query.window {
        case .latest(let after):
            var lower: Int64 = 0
            if let after { lower = try await bound(after, above: true) }
            return try await window(above: lower, below: .max, newest: true, limit: limit)
        case .before(let point):
            return try await window(above: 0, below: bound(point, above: false), newest: true, limit: limit)
        case .after(let point):
            return try await window(above: bound(point, above: true), below: .max, newest: false, limit: limit)
        case .around(let point):
            let upper = try await bound(point, above: false)
            let before = try await window(above: 0, below: upper, newest: true, limit: limit / 2)
            let after = try await window(above: upper - 1, below: .max, newest: false, limit: limit - before.count)
            return before + after
        case .between(let first, let second):
            let (low, high) = (try await bound(first, above: true), try await bound(second, above: false))
            if low < high { return try await window(above: low, below: high, newest: false, limit: limit) }
            let (newLow, newHigh) = (try await bound(second, above: true), try await bound(first, above: false))
            return try await window(above: newLow, below: newHigh, newest: true, limit: limit)
        }
    }
}

/// What a member entering a room is sent from the record before going live there.
public struct CatchUp: Sendable, Equatable {
    public var room: String
    public var events: [Event]
    public var gap: Gap?
    /// Where the client said it was.
    public var resumeAfter: Int64?

    /// Events in the whole catch-up when `events` is only its first page, nil when it is all.
    public var total: Int?
    /// The last event id of the record when it was read (nil: not known; then the last event
    /// sent). When more pages follow, the catch-up goes up to it (read with
    /// `ChatCore.catchUpPage(room:after:through:)` as the member drains).
    public var through: Int64?

    public init(
        room: String = Room.defaultName, events: [Event], gap: Gap?, resumeAfter: Int64?, total: Int? = nil,
        through: Int64? = nil
    ) {
        self.room = room
        self.events = events
        self.gap = gap
        self.resumeAfter = resumeAfter
        self.total = total
        self.through = through
    }

    /// Whether more pages follow this first one.
    public var isPaged: Bool { total != nil && through != nil }

    /// The last event id the member has of the room once it got this: live events up to it are dropped.
    public var seenThrough: Int64 { through ?? events.last?.id ?? (gap == nil ? resumeAfter ?? 0 : 0) }
}

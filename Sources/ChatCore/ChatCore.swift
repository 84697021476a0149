import ChatModel
import ChatStore

/// The rules and the record, for every door: reads for catch-up and history (blocking: run them
/// off the event loops), and the writes that commit events in order. Committed batches leave
/// through the `EventWriter`'s fan-out, which the server hands to its doors (and to
/// `ChatDirectory.committed(_:)`, for topics).
public final class ChatCore: Sendable {
    public let directory: ChatDirectory
    public let configuration: CoreConfiguration
    /// Registered names, bans and mutes.
    public let accounts: Accounts
    private let store: EventStore
    private let writer: EventWriter

    public init(
        store: EventStore, writer: EventWriter, directory: ChatDirectory, configuration: CoreConfiguration,
        accounts: Accounts = .none
    ) {
        self.accounts = accounts
        self.store = store
        self.writer = writer
        self.directory = directory
        self.configuration = configuration
    }

    /// The rooms and topics of the record at `store`, for a new `ChatDirectory`. Blocks.
    public static func directory(of store: EventStore, defaultRoom: String) throws -> ChatDirectory {
        try store.read { reader in
            ChatDirectory(defaultRoom: defaultRoom, rooms: try reader.roomNames(), topics: try reader.topics())
        }
    }

    /// The session (server run) this core records.
    public var session: Int64 { writer.session }

    /// Commits `event`; `completion` runs on the writer's thread after the batch is fanned out.
    public func record(_ event: NewEvent, completion: (@Sendable (Result<Event, StoreError>) -> Void)? = nil) {
        writer.submit(event, completion: completion)
    }

    /// What a member entering `room` gets before its live events: the recent history, or what it
    /// missed since `resumeAfter` (with a gap when that is too much, or from another database). Blocks.
    public func catchUp(room: String, resumeAfter: Int64?, history: Int?) throws -> CatchUp {
        let wanted = min(history ?? configuration.history, CoreConfiguration.maxHistory)
        let maxResume = configuration.maxResume
        return try store.read { reader in
            guard let resumeAfter else {
                return CatchUp(
                    room: room, events: try reader.recent(room: room, limit: wanted), gap: nil, resumeAfter: nil)
            }
            let last = try reader.lastEventID()
            if resumeAfter > last {
                // The client's record comes from another database: start afresh.
                let events = try reader.recent(room: room, limit: wanted)
                return CatchUp(
                    room: room, events: events, gap: Gap(after: resumeAfter, resumedAfter: 0), resumeAfter: resumeAfter)
            }
            // Only the first page is read here: the rest follows as the member drains
            // (`catchUpPage`), so a catch-up costs a page of memory, not the whole record.
            var after = resumeAfter
            var gap: Gap?
            var total = try reader.count(room: room, after: resumeAfter, through: last)
            if total > maxResume {
                // Too much to catch up on: the most recent ones, and a word about the rest.
                let first = try reader.eventID(room: room, fromEnd: maxResume) ?? 1
                after = first - 1
                gap = Gap(after: resumeAfter, resumedAfter: after)
                total = try reader.count(room: room, after: after, through: last)
            }
            let page = try reader.events(room: room, after: after, through: last, limit: pageEvents)
            guard page.count < total else {
                return CatchUp(room: room, events: page, gap: gap, resumeAfter: resumeAfter, through: last)
            }
            return CatchUp(room: room, events: page, gap: gap, resumeAfter: resumeAfter, total: total, through: last)
        }
    }

    /// A page of `room`'s catch-up: its events after `id` up to `last` (see `CatchUp.through`). Blocks.
    public func catchUpPage(room: String, after id: Int64, through last: Int64) throws -> [Event] {
        let limit = pageEvents
        return try store.read { try $0.events(room: room, after: id, through: last, limit: limit) }
    }

    /// The private messages `name` sent or got since `after` (at most `maxResume`), and the last
    /// event id the read covers. Blocks.
    public func privateCatchUp(name: String, after: Int64) throws -> (events: [Event], through: Int64) {
        let limit = configuration.maxResume
        return try store.read { reader in
            let last = try reader.lastEventID()
            return (try reader.privateEvents(of: name, after: after, through: last, limit: limit), last)
        }
    }

    private var pageEvents: Int { max(configuration.catchUpPageEvents, 1) }

    /// The messages, actions and notices within `scope` that hold every word of `words`, newest
    /// first. Blocks.
    public func search(_ words: String, scope: SearchScope) throws -> SearchResults {
        SearchResults(query: words, hits: try store.read { try $0.search(words, in: scope) })
    }

    /// `room`'s last `limit` events (at most `CoreConfiguration.maxHistory`). Blocks.
    public func history(room: String, limit: Int) throws -> [Event] {
        let limit = min(max(limit, 0), CoreConfiguration.maxHistory)
        return try store.read { try $0.recent(room: room, limit: limit) }
    }

    /// `room`'s messages in the window `query` asks for (at most `CoreConfiguration.maxHistory`),
    /// oldest first. Blocks.
    public func history(room: String, query: HistoryQuery) throws -> [Event] {
        let limit = min(max(query.limit, 0), CoreConfiguration.maxHistory)
        return try store.read { reader in
            /// The id just below a point (`after`) or just above it.
            func bound(_ point: HistoryQuery.Point, above: Bool) throws -> Int64 {
                switch point {
                case .id(let id): return id
                case .time(let millis) where above:
                    return try reader.eventID(atTime: millis + 1, before: true) ?? 0
                case .time(let millis):
                    return try reader.eventID(atTime: millis) ?? .max
                }
            }
            func window(above lower: Int64, below upper: Int64, newest: Bool, limit: Int) throws -> [Event] {
                try reader.messages(room: room, above: lower, below: upper, limit: limit, newest: newest)
            }
            switch query.window {
            case .latest(let after):
                return try window(
                    above: after.map { try bound($0, above: true) } ?? 0, below: .max, newest: true, limit: limit)
            case .before(let point):
                return try window(above: 0, below: bound(point, above: false), newest: true, limit: limit)
            case .after(let point):
                return try window(above: bound(point, above: true), below: .max, newest: false, limit: limit)
            case .around(let point):
                let before = try window(above: 0, below: bound(point, above: false), newest: true, limit: limit / 2)
                let from = try bound(point, above: false) - 1
                return before + (try window(above: from, below: .max, newest: false, limit: limit - before.count))
            case .between(let first, let second):
                let (low, high) = (try bound(first, above: true), try bound(second, above: false))
                if low < high { return try window(above: low, below: high, newest: false, limit: limit) }
                let (newLow, newHigh) = (try bound(second, above: true), try bound(first, above: false))
                return try window(above: newLow, below: newHigh, newest: true, limit: limit)
            }
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

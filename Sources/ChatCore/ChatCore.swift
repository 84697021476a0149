import ChatModel
import ChatStore

/// The room's rules and its record, for every door: reads for catch-up and history (blocking:
/// run them off the event loops), and the writes that commit events in order. Committed batches
/// leave through the `EventWriter`'s fan-out, which the server hands to its doors.
public final class ChatCore: Sendable {
    public let room: ChatRoom
    public let configuration: CoreConfiguration
    private let store: EventStore
    private let writer: EventWriter

    public init(store: EventStore, writer: EventWriter, room: ChatRoom, configuration: CoreConfiguration) {
        self.store = store
        self.writer = writer
        self.room = room
        self.configuration = configuration
    }

    /// The session (server run) this core records.
    public var session: Int64 { writer.session }

    /// Commits `event`; `completion` runs on the writer's thread after the batch is fanned out.
    public func record(_ event: NewEvent, completion: (@Sendable (Result<Event, StoreError>) -> Void)? = nil) {
        writer.submit(event, completion: completion)
    }

    /// What a newcomer gets after the welcome: the recent history, or what it missed since
    /// `resumeAfter` (with a gap when that is too much, or from another database). Blocks.
    public func catchUp(for join: JoinRequest) throws -> CatchUp {
        let wanted = min(join.history ?? configuration.history, CoreConfiguration.maxHistory)
        let maxResume = configuration.maxResume
        let roomName = room.name
        return try store.read { reader in
            guard let resumeAfter = join.resumeAfter else {
                return CatchUp(events: try reader.recent(room: roomName, limit: wanted), gap: nil, resumeAfter: nil)
            }
            if resumeAfter > (try reader.lastEventID()) {
                // The client's record comes from another database: start afresh.
                let events = try reader.recent(room: roomName, limit: wanted)
                return CatchUp(events: events, gap: Gap(after: resumeAfter, resumedAfter: 0), resumeAfter: resumeAfter)
            }
            // Only the first page is read here: the rest follows as the member drains
            // (`catchUpPage`), so a catch-up costs a page of memory, not the whole record.
            let last = try reader.lastEventID()
            var after = resumeAfter
            var gap: Gap?
            var total = try reader.count(room: roomName, after: resumeAfter, through: last)
            if total > maxResume {
                // Too much to catch up on: the most recent ones, and a word about the rest.
                let first = try reader.eventID(room: roomName, fromEnd: maxResume) ?? 1
                after = first - 1
                gap = Gap(after: resumeAfter, resumedAfter: after)
                total = try reader.count(room: roomName, after: after, through: last)
            }
            let page = try reader.events(room: roomName, after: after, through: last, limit: pageEvents)
            guard page.count < total else { return CatchUp(events: page, gap: gap, resumeAfter: resumeAfter) }
            return CatchUp(events: page, gap: gap, resumeAfter: resumeAfter, total: total, through: last)
        }
    }

    /// The catch-up's events after `id` up to `last`, a page of them (see `CatchUp.through`). Blocks.
    public func catchUpPage(after id: Int64, through last: Int64) throws -> [Event] {
        let roomName = room.name
        let limit = pageEvents
        return try store.read { try $0.events(room: roomName, after: id, through: last, limit: limit) }
    }

    private var pageEvents: Int { max(configuration.catchUpPageEvents, 1) }

    /// The last `limit` events (at most `CoreConfiguration.maxHistory`). Blocks.
    public func history(limit: Int) throws -> [Event] {
        let roomName = room.name
        let limit = min(max(limit, 0), CoreConfiguration.maxHistory)
        return try store.read { try $0.recent(room: roomName, limit: limit) }
    }
}

/// What a newcomer is sent from the record before going live.
public struct CatchUp: Sendable, Equatable {
    public var events: [Event]
    public var gap: Gap?
    /// Where the client said it was.
    public var resumeAfter: Int64?

    /// Events in the whole catch-up when `events` is only its first page, nil when it is all.
    public var total: Int?
    /// When more pages follow: the last event id the catch-up goes to (read with
    /// `ChatCore.catchUpPage(after:through:)` as the member drains).
    public var through: Int64?

    public init(events: [Event], gap: Gap?, resumeAfter: Int64?, total: Int? = nil, through: Int64? = nil) {
        self.events = events
        self.gap = gap
        self.resumeAfter = resumeAfter
        self.total = total
        self.through = through
    }

    /// The last event id the member has once it got this: live events up to it are dropped.
    public var seenThrough: Int64 { through ?? events.last?.id ?? (gap == nil ? resumeAfter ?? 0 : 0) }
}

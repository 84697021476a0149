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
            let missed = try reader.events(room: roomName, after: resumeAfter, limit: maxResume + 1)
            guard missed.count > maxResume else {
                return CatchUp(events: missed, gap: nil, resumeAfter: resumeAfter)
            }
            // Too much to catch up on: the most recent ones, and a word about the rest.
            let latest = try reader.recent(room: roomName, limit: maxResume)
            let gap = Gap(after: resumeAfter, resumedAfter: (latest.first?.id ?? 1) - 1)
            return CatchUp(events: latest, gap: gap, resumeAfter: resumeAfter)
        }
    }

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

    public init(events: [Event], gap: Gap?, resumeAfter: Int64?) {
        self.events = events
        self.gap = gap
        self.resumeAfter = resumeAfter
    }

    /// The last event id the member has once it got this: live events up to it are dropped.
    public var seenThrough: Int64 { events.last?.id ?? (gap == nil ? resumeAfter ?? 0 : 0) }
}

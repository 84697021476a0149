import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// Commits one batch in one transaction, with ids that become visible in order: the ids are
/// taken from the counter row (`event_counter`), which the transaction holds locked until it
/// commits, so a writer on any node that takes the next ids waits for this commit first. In the
/// same transaction, `NOTIFY` wakes the followers (docs/SCALING.md). Owned by the writer's task.
struct PostgresBatchCommit {
    /// The `LISTEN`/`NOTIFY` channel; its payload is the batch's last id (a wake-up only).
    static let channel = "chat_events"
    /// Bound parameters per event: the batch is one `INSERT`, at most 65535 parameters.
    static let parametersPerEvent = 12

    let link: PostgresLink
    let session: Int64
    /// Room ids this writer has seen committed.
    private var roomIDs: [String: Int64] = [:]

    init(link: PostgresLink, session: Int64) {
        self.link = link
        self.session = session
    }

    /// Stores `batch`, every event of it or none, and returns it as committed.
    mutating func commit(_ batch: [NewEvent]) async throws(StoreError) -> [Event] {
        let (session, known, logger) = (self.session, roomIDs, link.logger)
        do {
            let (events, rooms) = try await link.run("storing \(batch.count) events") { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    try await Self.record(batch, session: session, knownRooms: known, on: connection, logger: logger)
                }
            }
            roomIDs = rooms
            return events
        } catch {
            roomIDs.removeAll()  // a rolled-back transaction may have made a room
            throw error
        }
    }

    /// Inserts `batch` inside the caller's transaction, as events of `session`, with the next ids
    /// of the counter row (locked until that transaction ends) and the `NOTIFY` its commit sends;
    /// returns the events and the room ids it used. The reap of a dead node
    /// (`PostgresPresence.reap`) records its leaves this way too.
    static func record(
        _ batch: [NewEvent], session: Int64, knownRooms known: [String: Int64], on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (events: [Event], rooms: [String: Int64]) {
        let rooms = try await roomIDs(for: batch, known: known, on: connection, logger: logger)
        let counter = try await connection.query(
            "UPDATE event_counter SET last_id = last_id + \(Int64(batch.count)) RETURNING last_id, last_time_ms",
            logger: logger
        ).collect()
        guard let row = counter.first else {
            throw StoreError(.notFound, path: "event_counter", message: "the event counter row is missing")
        }
        let (last, lastTime) = try row.decode((Int64, Int64).self)
        let events = events(batch, firstID: last - Int64(batch.count) + 1, after: lastTime, session: session)
        try await connection.query(insert(events, rooms: rooms), logger: logger)
        try await connection.query(
            "UPDATE event_counter SET last_time_ms = \(events.last?.timeMillis ?? lastTime)", logger: logger)
        try await connection.query("SELECT pg_notify(\(channel), \(String(last)))", logger: logger)
        return (events, rooms)
    }

    /// Times never go backwards, across nodes too: each is at least the last one committed.
    private static func events(_ batch: [NewEvent], firstID: Int64, after lastTime: Int64, session: Int64) -> [Event] {
        let now = currentTimeMillis()
        var time = lastTime
        return batch.enumerated().map { offset, event in
            time = max(event.timeMillis ?? now, time)
            return Event(
                id: firstID + Int64(offset), kind: event.kind, room: event.room, user: event.user, text: event.text,
                timeMillis: time, session: session, connection: event.connection, reason: event.reason,
                recipient: event.recipient, target: event.target, clientTags: event.clientTags)
        }
    }

    /// The ids of the batch's rooms, making those that do not exist yet.
    private static func roomIDs(
        for batch: [NewEvent], known: [String: Int64], on connection: PostgresConnection, logger: Logger
    ) async throws -> [String: Int64] {
        var rooms = known
        let missing = Array(Set(batch.map(\.room)).filter { rooms[$0] == nil })
        guard !missing.isEmpty else { return rooms }
        try await connection.query(
            "INSERT INTO rooms (name) SELECT unnest(\(missing)::text[]) ON CONFLICT (name) DO NOTHING", logger: logger)
        let rows = try await connection.query("SELECT id, name FROM rooms WHERE name = ANY(\(missing))", logger: logger)
        for try await (id, name) in rows.decode((Int64, String).self) { rooms[name] = id }
        return rooms
    }

    /// One `INSERT` of every event of the batch (with its id).
    static func insert(_ events: [Event], rooms: [String: Int64]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: events.count * parametersPerEvent)
        var rows: [String] = []
        for event in events {
            let first = bindings.count + 1
            rows.append("(" + (first..<first + parametersPerEvent).map { "$\($0)" }.joined(separator: ", ") + ")")
            bindings.append(event.id)
            bindings.append(event.session)
            bindings.append(rooms[event.room] ?? 0)
            bindings.append(event.kind.rawValue)
            bindings.append(event.user)
            bindings.append(event.text)
            bindings.append(event.timeMillis)
            bindings.append(event.connection)
            bindings.append(event.reason?.rawValue)
            bindings.append(event.recipient)
            bindings.append(event.target)
            bindings.append(event.clientTags)
        }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO events (id, session_id, room_id, kind, "user", text, time_ms, connection, reason, recipient, target,
                    client_tags)
                VALUES \(rows.joined(separator: ", "))
                """, binds: bindings)
    }
}

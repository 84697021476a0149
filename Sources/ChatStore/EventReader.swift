import ChatModel

/// Read queries on their own connection: history, resume, export, sessions.
/// One reader serves one thread at a time; open one per thread, or borrow one from `EventStore`.
public final class EventReader {
    let database: Database

    /// Opens `path` read-only, for tools that read while a server writes. When the file has hard
    /// links and a server writes it under another of its names, reads through the server's name:
    /// SQLite finds the `-wal` file by name, and under another one would miss recent events.
    public convenience init(path: String) throws(StoreError) {
        var name = path
        if let identity = FileIdentity(path: path), identity.links > 1,
            let server = FileLock.serverPath(databasePath: path), !server.isEmpty, server != identity.realPath
        {
            name = server
        }
        try self.init(database: Database(path: name, readOnly: true))
        try Schema.check(database)
    }

    init(database: Database) {
        self.database = database
        // A file from before schema 6 (read-only: readers never migrate) has no client tags.
        let tags =
            (try? database.integer("SELECT count(*) FROM pragma_table_info('events') WHERE name = 'client_tags'")) ?? 0
        columns = Self.columns(clientTags: tags > 0)
    }

    /// The select of every event query. Tags-only messages (`tag_message`, IRC's TAGMSG) are
    /// passed over: they are relayed live to IRC clients only, and no history or export shows them.
    private let columns: String

    private static func columns(clientTags: Bool) -> String {
        """
        SELECT e.id, e.kind, r.name, e.user, e.text, e.time_ms, e.session_id, e.connection, e.reason, e.recipient,
               e.target, \(clientTags ? "e.client_tags" : "NULL")
        FROM events e JOIN rooms r ON r.id = e.room_id AND e.kind <> 'tag_message'
        """
    }

    /// The last `limit` events of `room`, oldest first.
    public func recent(room: String = Room.defaultName, limit: Int) throws(StoreError) -> [Event] {
        guard limit > 0 else { return [] }
        let stmt = try cached(
            columns + " WHERE e.room_id = (SELECT id FROM rooms WHERE name = ?) ORDER BY e.id DESC LIMIT ?")
        stmt.bind(room, at: 1)
        stmt.bind(Int64(limit), at: 2)
        return try rows(stmt).reversed()
    }

    /// Up to `limit` events of `room` with ids above `id`, oldest first (resume after a reconnect).
    public func events(room: String = Room.defaultName, after id: Int64, limit: Int) throws(StoreError) -> [Event] {
        let stmt = try cached(
            columns
                + " WHERE e.room_id = (SELECT id FROM rooms WHERE name = ?) AND e.id > ? ORDER BY e.id LIMIT ?")
        stmt.bind(room, at: 1)
        stmt.bind(id, at: 2)
        stmt.bind(Int64(limit), at: 3)
        return try rows(stmt)
    }

    /// Up to `limit` events of `room` with ids above `id` and at most `last`, oldest first (a page
    /// of a catch-up).
    public func events(
        room: String = Room.defaultName, after id: Int64, through last: Int64, limit: Int
    ) throws(StoreError) -> [Event] {
        let stmt = try cached(
            columns
                + " WHERE e.room_id = (SELECT id FROM rooms WHERE name = ?) AND e.id > ? AND e.id <= ?"
                + " ORDER BY e.id LIMIT ?")
        stmt.bind(room, at: 1)
        stmt.bind(id, at: 2)
        stmt.bind(last, at: 3)
        stmt.bind(Int64(limit), at: 4)
        return try rows(stmt)
    }

    /// How many events of `room` have ids above `id` and at most `last`.
    public func count(room: String = Room.defaultName, after id: Int64, through last: Int64) throws(StoreError) -> Int {
        let stmt = try cached(
            "SELECT count(*) FROM events WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND id > ? AND id <= ?"
                + " AND kind <> 'tag_message'")
        stmt.bind(room, at: 1)
        stmt.bind(id, at: 2)
        stmt.bind(last, at: 3)
        defer { stmt.reset() }
        return try stmt.step() ? Int(stmt.optionalInt64(0) ?? 0) : 0
    }

    /// The id of the `n`th last event of `room` (1: the last one), nil when it has fewer.
    public func eventID(room: String = Room.defaultName, fromEnd n: Int) throws(StoreError) -> Int64? {
        let stmt = try cached(
            "SELECT id FROM events WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND kind <> 'tag_message'"
                + " ORDER BY id DESC LIMIT 1 OFFSET ?")
        stmt.bind(room, at: 1)
        stmt.bind(Int64(max(n - 1, 0)), at: 2)
        defer { stmt.reset() }
        return try stmt.step() ? stmt.optionalInt64(0) : nil
    }

    /// Up to `limit` messages and actions of `room` with ids strictly between `lower` and `upper`,
    /// oldest first: the oldest of them, or the newest when `newest` (IRC's `CHATHISTORY`).
    public func messages(
        room: String, above lower: Int64, below upper: Int64, limit: Int, newest: Bool
    ) throws(StoreError) -> [Event] {
        guard limit > 0, lower < upper else { return [] }
        let stmt = try cached(
            columns
                + " WHERE e.room_id = (SELECT id FROM rooms WHERE name = ?) AND e.id > ? AND e.id < ?"
                + " AND e.kind IN ('message', 'action', 'notice') ORDER BY e.id \(newest ? "DESC" : "ASC") LIMIT ?")
        stmt.bind(room, at: 1)
        stmt.bind(lower, at: 2)
        stmt.bind(upper, at: 3)
        stmt.bind(Int64(limit), at: 4)
        let rows = try rows(stmt)
        return newest ? rows.reversed() : rows
    }

    /// The id of the first event at or after `millis` (nil: none), or of the last one before it
    /// (`before`); events are recorded in time order.
    public func eventID(atTime millis: Int64, before: Bool = false) throws(StoreError) -> Int64? {
        let stmt = try cached(
            before
                ? "SELECT max(id) FROM events WHERE time_ms < ?"
                : "SELECT min(id) FROM events WHERE time_ms >= ?")
        stmt.bind(millis, at: 1)
        defer { stmt.reset() }
        return try stmt.step() ? stmt.optionalInt64(0) : nil
    }

    // MARK: Private messages

    /// The private messages `name` sent or received with ids above `id` and at most `last`,
    /// oldest first, up to `limit` (a reconnect's catch-up).
    public func privateEvents(
        of name: String, after id: Int64, through last: Int64, limit: Int
    ) throws(StoreError) -> [Event] {
        let stmt = try cached(
            columns + " WHERE e.id IN (SELECT id FROM events WHERE recipient = ?1 AND id > ?2 AND id <= ?3"
                + " UNION SELECT id FROM events WHERE user = ?1 AND recipient IS NOT NULL AND id > ?2 AND id <= ?3)"
                + " ORDER BY e.id LIMIT ?4")
        stmt.bind(name, at: 1)
        stmt.bind(id, at: 2)
        stmt.bind(last, at: 3)
        stmt.bind(Int64(limit), at: 4)
        return try rows(stmt)
    }

    // MARK: Rooms

    /// Every room's name (not the '' of private messages), in the order they were made.
    public func roomNames() throws(StoreError) -> [String] {
        let stmt = try cached("SELECT name FROM rooms WHERE name <> '' ORDER BY id")
        var names: [String] = []
        while try stmt.step() { names.append(stmt.string(0)) }
        stmt.reset()
        return names
    }

    /// Each room's current topic: its last topic event (rooms without one are left out).
    public func topics() throws(StoreError) -> [Event] {
        let stmt = try cached(
            columns
                + " WHERE e.id IN (SELECT (SELECT max(t.id) FROM events t WHERE t.room_id = rooms.id AND t.kind = 'topic')"
                + " FROM rooms) ORDER BY e.id")
        return try rows(stmt)
    }

    /// How many events `forEach` reads in one read transaction.
    static let pageSize = 256

    /// Calls `body` with each event that `filter` selects, in id order, a page at a time: memory
    /// stays bounded however many events there are, and each page is read in its own short
    /// transaction, never during `body`, so a long export never pins the WAL (see `Checkpointer`).
    /// Events committed while it runs are included when the filter selects them.
    public func forEach(
        _ filter: EventFilter, _ body: (Event) throws -> Void
    ) throws {
        var page = filter
        var remaining = filter.limit.map { max(0, $0) } ?? Int.max
        while remaining > 0 {
            page.limit = min(remaining, Self.pageSize)
            let events = try self.page(page)
            for event in events { try body(event) }
            guard let last = events.last, events.count == page.limit else { return }
            page.afterID = last.id
            remaining -= events.count
        }
    }

    /// One page of events: a query run to its end, so its read transaction ends with it.
    private func page(_ filter: EventFilter) throws(StoreError) -> [Event] {
        var sql = columns + filter.sql.clause + " ORDER BY e.id"
        if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
        let stmt = try database.prepare(sql)
        filter.bindParameters(to: stmt)
        return try rows(stmt)
    }

    /// All events `filter` selects, in id order.
    public func events(_ filter: EventFilter) throws -> [Event] {
        var result: [Event] = []
        try forEach(filter) { result.append($0) }
        return result
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database, else SQLite's list of problems.
    public func integrityCheck() throws(StoreError) -> String {
        let stmt = try database.prepare("PRAGMA integrity_check")
        var lines: [String] = []
        while try stmt.step() { lines.append(stmt.string(0)) }
        return lines.joined(separator: "\n")
    }

    /// The highest event id, 0 when there is none.
    public func lastEventID() throws(StoreError) -> Int64 {
        try database.integer("SELECT coalesce(max(id), 0) FROM events")
    }

    /// The lowest event id of `room`, nil when it has none.
    public func firstEventID(room: String = Room.defaultName) throws(StoreError) -> Int64? {
        let stmt = try cached("SELECT min(e.id) FROM events e JOIN rooms r ON r.id = e.room_id WHERE r.name = ?")
        stmt.bind(room, at: 1)
        // Reset before returning: a statement left on its row keeps its read transaction, and every
        // later query of this connection would see that old snapshot.
        defer { stmt.reset() }
        return try stmt.step() ? stmt.optionalInt64(0) : nil
    }

    /// Every session, oldest first, with counts (purged events included: see `purgedCounts`).
    public func sessions() throws(StoreError) -> [Session] {
        let stmt = try database.prepare(try sessionColumns() + " ORDER BY s.id")
        var result: [Session] = []
        while try stmt.step() { result.append(session(from: stmt)) }
        return result
    }

    /// One session, nil when there is no such session.
    public func session(_ id: Int64) throws(StoreError) -> Session? {
        let stmt = try database.prepare(try sessionColumns() + " WHERE s.id = ?")
        stmt.bind(id, at: 1)
        return try stmt.step() ? session(from: stmt) : nil
    }

    /// The newest session's id.
    public func latestSessionID() throws(StoreError) -> Int64? {
        let id = try database.integer("SELECT coalesce(max(id), 0) FROM sessions")
        return id == 0 ? nil : id
    }

    /// A session's counts are those of its events plus those of its purged events.
    private func sessionColumns() throws(StoreError) -> String {
        let purged = try hasPurgeRecord()
        func count(_ kinds: String) -> String {
            let kept = "(SELECT count(*) FROM events WHERE session_id = s.id AND kind \(kinds))"
            guard purged else { return kept }
            return kept
                + " + (SELECT coalesce(sum(events), 0) FROM purged_counts WHERE session_id = s.id AND kind \(kinds))"
        }
        let participants =
            purged
            ? "(SELECT count(*) FROM (SELECT user FROM events WHERE session_id = s.id"
                + " UNION SELECT user FROM purged_users WHERE session_id = s.id))"
            : "(SELECT count(DISTINCT user) FROM events WHERE session_id = s.id)"
        let gone = purged ? "(SELECT coalesce(sum(events), 0) FROM purged_counts WHERE session_id = s.id)" : "0"
        return """
            SELECT s.id, s.started_ms, s.ended_ms, s.state, s.host, s.port, s.version,
                \(count("IN ('message', 'action', 'notice')")), \(count("= 'join'")), \(count("= 'leave'")),
                \(participants), \(gone)
            FROM sessions s
            """
    }

    /// True when the file has the retention tables (schema version 4 on): readers never migrate.
    func hasPurgeRecord() throws(StoreError) -> Bool {
        try database.integer("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'purged_counts'") > 0
    }

    private func session(from stmt: Statement) -> Session {
        var state = Session.State(rawValue: stmt.string(3)) ?? .unclean
        // A session still marked running whose server is gone died without a clean stop.
        if state == .running && !FileLock.isHeld(databasePath: database.path) { state = .unclean }
        return Session(
            id: stmt.int64(0), startedMillis: stmt.int64(1), endedMillis: stmt.optionalInt64(2), state: state,
            host: stmt.string(4), port: Int(stmt.int64(5)), version: stmt.string(6),
            messages: Int(stmt.int64(7)), joins: Int(stmt.int64(8)), leaves: Int(stmt.int64(9)),
            participants: Int(stmt.int64(10)), purged: Int(stmt.int64(11)))
    }

    private var statements: [String: Statement] = [:]

    private func cached(_ sql: String) throws(StoreError) -> Statement {
        if let stmt = statements[sql] {
            stmt.reset()
            return stmt
        }
        let stmt = try database.prepare(sql)
        statements[sql] = stmt
        return stmt
    }

    private func rows(_ stmt: Statement) throws(StoreError) -> [Event] {
        var result: [Event] = []
        while try stmt.step() { result.append(Self.event(stmt)) }
        stmt.reset()
        return result
    }

    private static func event(_ stmt: Statement) -> Event {
        Event(
            id: stmt.int64(0), kind: EventKind(rawValue: stmt.string(1)) ?? .message, room: stmt.string(2),
            user: stmt.string(3), text: stmt.string(4), timeMillis: stmt.int64(5), session: stmt.int64(6),
            connection: stmt.optionalInt64(7), reason: stmt.optionalString(8).flatMap(LeaveReason.init(rawValue:)),
            recipient: stmt.optionalString(9), target: stmt.optionalString(10), clientTags: stmt.optionalString(11))
    }
}

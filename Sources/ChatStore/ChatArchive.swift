import ChatModel
import Foundation

/// A new chat file written from another store's record (`chat-replay backup` of a PostgreSQL
/// database): this store's own schema, then sessions and events with their ids, rooms by name, and
/// retention's record, in one transaction. It is built beside the destination and put in place whole, checked and
/// counted as `Backup`'s copy is; until `finish`, the destination is untouched.
public final class ChatArchive {
    private let database: Database
    private let destination: String
    private let insertEvent: Statement
    private var roomIDs: [String: Int64] = [:]

    /// Starts the file for `destination`, which must not exist unless `overwrite`.
    public init(destination: String, overwrite: Bool = false) throws(StoreError) {
        try Backup.refuseExisting(destination, overwrite: overwrite)
        let partial = Backup.partialPath(for: destination)
        try? FileManager.default.removeItem(atPath: partial)
        self.destination = destination
        do throws(StoreError) {
            database = try Database(path: partial, readOnly: false, create: true)
            try Schema.migrate(database)
            try database.execute("BEGIN IMMEDIATE")
            insertEvent = try database.prepare(
                """
                INSERT INTO events (id, session_id, room_id, kind, user, text, time_ms, connection, reason, recipient,
                                    target, client_tags)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Adds `session` with its id.
    public func add(_ session: Session) throws(StoreError) {
        let insert = try database.prepare(
            "INSERT INTO sessions (id, started_ms, ended_ms, state, host, port, version) VALUES (?, ?, ?, ?, ?, ?, ?)")
        insert.bind(session.id, at: 1)
        insert.bind(session.startedMillis, at: 2)
        insert.bind(session.endedMillis, at: 3)
        insert.bind(session.state.rawValue, at: 4)
        insert.bind(session.host, at: 5)
        insert.bind(Int64(session.port), at: 6)
        insert.bind(session.version, at: 7)
        try insert.step()
    }

    /// Adds the room `name` (rooms list in the order they are added; events add theirs).
    public func addRoom(_ name: String) throws(StoreError) {
        guard roomIDs[name] == nil else { return }
        let insert = try database.prepare("INSERT INTO rooms (name) VALUES (?)")
        insert.bind(name, at: 1)
        try insert.step()
        roomIDs[name] = database.lastInsertedRowID
    }

    /// Adds `events` with their ids, after the sessions they belong to.
    public func add(_ events: [Event]) throws(StoreError) {
        for event in events {
            try addRoom(event.room)
            insertEvent.reset()
            insertEvent.bind(event.id, at: 1)
            insertEvent.bind(event.session, at: 2)
            insertEvent.bind(roomIDs[event.room], at: 3)
            insertEvent.bind(event.kind.rawValue, at: 4)
            insertEvent.bind(event.user, at: 5)
            insertEvent.bind(event.text, at: 6)
            insertEvent.bind(event.timeMillis, at: 7)
            insertEvent.bind(event.connection, at: 8)
            insertEvent.bind(event.reason?.rawValue, at: 9)
            insertEvent.bind(event.recipient, at: 10)
            insertEvent.bind(event.target, at: 11)
            insertEvent.bind(event.clientTags, at: 12)
            try insertEvent.step()
        }
    }

    /// Adds retention's record: its purges with their ids, what purged events counted and whose
    /// they were (rooms by name, added when new).
    public func add(_ record: PurgeRecordRows) throws(StoreError) {
        let purge = try database.prepare(
            """
            INSERT INTO purges (id, time_ms, by, room, cutoff_ms, events, first_id, last_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for report in record.purges {
            purge.reset()
            purge.bind([report.id, report.timeMillis])
            purge.bind(report.by, at: 3)
            purge.bind(report.room, at: 4)
            purge.bind(report.cutoffMillis, at: 5)
            purge.bind(Int64(report.events), at: 6)
            purge.bind(report.firstID, at: 7)
            purge.bind(report.lastID, at: 8)
            try purge.step()
        }
        let count = try database.prepare(
            "INSERT INTO purged_counts (session_id, room_id, kind, events) VALUES (?, ?, ?, ?)")
        for row in record.counts {
            try addRoom(row.room)
            count.reset()
            count.bind([row.session, roomIDs[row.room]])
            count.bind(row.kind, at: 3)
            count.bind(row.events, at: 4)
            try count.step()
        }
        let user = try database.prepare("INSERT INTO purged_users (session_id, user) VALUES (?, ?)")
        for row in record.users {
            user.reset()
            user.bind(row.session, at: 1)
            user.bind(row.user, at: 2)
            try user.step()
        }
    }

    /// Commits, checks and counts the file and puts it in place of the destination.
    public func finish() throws(StoreError) -> Backup.Report {
        do throws(StoreError) {
            try database.execute("COMMIT")
            return try Backup.putInPlace(database, at: destination)
        } catch {
            discard()
            throw error
        }
    }

    /// Gives the file up: the destination stays as it was.
    public func discard() {
        try? FileManager.default.removeItem(atPath: database.path)
    }
}

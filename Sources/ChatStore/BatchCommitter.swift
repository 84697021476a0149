import CSQLite
import ChatModel

/// The writer thread's own state: the connection, the insert statement, the newest time and the
/// room ids. Not Sendable: `EventWriter` hands it to its thread, and only that thread touches it.
final class BatchCommitter {
    typealias Item = (event: NewEvent, completion: EventWriter.Completion?)

    let database: Database
    let session: Int64
    private let insert: Statement
    private var lastTime: Int64
    private var roomIDs: [String: Int64] = [:]

    init(database: Database, session: Int64) throws(StoreError) {
        self.database = database
        self.session = session
        // Times never go backwards, across sessions too: start from the newest time recorded.
        lastTime = try database.integer("SELECT coalesce(max(time_ms), 0) FROM events")
        insert = try database.prepare(
            """
            INSERT INTO events (session_id, room_id, kind, user, text, time_ms, connection, reason, recipient, target,
                                client_tags)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// Commits a batch in one transaction: every event of it, or none.
    func commit(_ batch: [Item]) -> Result<[Event], StoreError> {
        let now = currentTimeMillis()
        var time = lastTime
        do throws(StoreError) {
            try checkNotMoved()
            let events = try database.transaction { () throws(StoreError) in
                try batch.map { (item) throws(StoreError) in
                    time = max(item.event.timeMillis ?? now, time)
                    return try insert(item.event, time: time)
                }
            }
            lastTime = time
            return .success(events)
        } catch {
            roomIDs.removeAll()  // a rolled-back transaction may have created a room
            return .failure(error)
        }
    }

    /// The last steps of a clean stop: marks the session clean and empties the WAL.
    func finishCleanly() -> Result<Void, StoreError> {
        do throws(StoreError) {
            let update = try database.prepare("UPDATE sessions SET state = 'clean', ended_ms = ? WHERE id = ?")
            update.bind(currentTimeMillis(), at: 1)
            update.bind(session, at: 2)
            try update.step()
        } catch {
            return .failure(error)
        }
        database.checkpoint(SQLITE_CHECKPOINT_TRUNCATE)
        return .success(())
    }

    /// `PRAGMA max_page_count` (see `EventStore.init(maxPageCount:)`).
    func setMaxPageCount(_ pages: Int) {
        try? database.execute("PRAGMA max_page_count = \(pages)")
    }

    /// Refuses to commit when the database file was removed or replaced since it was opened:
    /// SQLite would go on writing to the unlinked file, and everything "stored" would vanish
    /// with the process. One `stat` of the path per batch (`SQLITE_FCNTL_HAS_MOVED`).
    private func checkNotMoved() throws(StoreError) {
        var moved: Int32 = 0
        guard sqlite3_file_control(database.handle, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK,
            moved != 0
        else { return }
        throw StoreError(
            .readOnly, path: database.path,
            message: "the database file was removed or replaced while the server was running; "
                + "nothing more can be stored until the server is restarted")
    }

    private func insert(_ event: NewEvent, time: Int64) throws(StoreError) -> Event {
        let room = try roomID(event.room)
        insert.reset()
        insert.bind(session, at: 1)
        insert.bind(room, at: 2)
        insert.bind(event.kind.rawValue, at: 3)
        insert.bind(event.user, at: 4)
        insert.bind(event.text, at: 5)
        insert.bind(time, at: 6)
        insert.bind(event.connection, at: 7)
        insert.bind(event.reason?.rawValue, at: 8)
        insert.bind(event.recipient, at: 9)
        insert.bind(event.target, at: 10)
        insert.bind(event.clientTags, at: 11)
        try insert.step()
        return Event(
            id: database.lastInsertedRowID, kind: event.kind, room: event.room, user: event.user, text: event.text,
            timeMillis: time, session: session, connection: event.connection, reason: event.reason,
            recipient: event.recipient, target: event.target, clientTags: event.clientTags)
    }

    private func roomID(_ name: String) throws(StoreError) -> Int64 {
        if let id = roomIDs[name] { return id }
        let upsert = try database.prepare(
            "INSERT INTO rooms (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = name RETURNING id")
        upsert.bind(name, at: 1)
        guard try upsert.step() else {
            throw StoreError(.notFound, path: database.path, message: "room \(name) was not created", sql: upsert.sql)
        }
        let id = upsert.int64(0)
        roomIDs[name] = id
        return id
    }
}

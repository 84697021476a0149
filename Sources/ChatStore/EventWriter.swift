import CSQLite
import ChatModel
import Foundation

/// The one writer of a database. Events from every connection queue here; a dedicated thread
/// takes everything queued (up to `maxBatch`), commits it in one transaction, and only then hands
/// the committed batch, in id order, to `onCommit`. Under load batches grow by themselves, so the
/// cost of a commit is shared by more events (group commit); when idle each event commits alone.
public final class EventWriter: @unchecked Sendable {
    /// Called with the outcome of one event, on the writer thread.
    public typealias Completion = @Sendable (Result<Event, StoreError>) -> Void

    /// The session every event of this writer belongs to.
    public let session: Int64
    /// The largest number of events committed in one transaction.
    public let maxBatch: Int

    private let database: Database
    private let checkpointer: Checkpointer?
    private let onCommit: @Sendable ([Event]) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [(event: NewEvent, completion: Completion?)] = []
    private var closing = false
    private var finished = false
    private var lastTime: Int64 = 0
    private var roomIDs: [String: Int64] = [:]
    private var pageLimit: Int?
    private let insert: Statement
    private let statistics = Statistics()

    init(
        database: Database, session: Int64, maxBatch: Int, checkpointer: Checkpointer? = nil,
        onCommit: @escaping @Sendable ([Event]) -> Void
    ) throws(StoreError) {
        self.database = database
        self.checkpointer = checkpointer
        self.session = session
        self.maxBatch = maxBatch
        self.onCommit = onCommit
        // Times never go backwards, across sessions too: start from the newest time recorded.
        self.lastTime = try database.integer("SELECT coalesce(max(time_ms), 0) FROM events")
        self.insert = try database.prepare(
            """
            INSERT INTO events (session_id, room_id, kind, user, text, time_ms, connection, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let thread = Thread { [self] in run() }
        thread.name = "chat-store-writer"
        thread.start()
    }

    /// Queues an event; `completion` learns its id, or why it was not stored.
    public func submit(_ event: NewEvent, completion: Completion? = nil) {
        condition.lock()
        if closing {
            condition.unlock()
            completion?(.failure(StoreError(.closed, path: database.path, message: "the event store is closed")))
            return
        }
        queue.append((event, completion))
        if queue.count == 1 { condition.signal() }
        condition.unlock()
    }

    /// Stores an event and returns it as committed, with its id and time.
    public func append(_ event: NewEvent) async throws(StoreError) -> Event {
        let result = await withCheckedContinuation { continuation in
            submit(event) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Batches committed so far and events in them, for benchmarks and logs.
    public var committed: (batches: Int, events: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (statistics.batches, statistics.events)
    }

    /// For tests and fault drills: a new `PRAGMA max_page_count` for the writer's connection,
    /// applied by the writer thread before its next batch (see `EventStore.init(maxPageCount:)`).
    func setMaxPageCount(_ pages: Int) {
        condition.lock()
        pageLimit = pages
        condition.unlock()
    }

    /// Commits everything queued, then stops the thread. Later submissions fail.
    func drain() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        checkpointer?.stop()
    }

    private final class Statistics {
        var batches = 0
        var events = 0
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            if queue.isEmpty {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let take = min(queue.count, maxBatch)
            let batch = Array(queue[..<take])
            queue.removeFirst(take)
            let pages = pageLimit
            pageLimit = nil
            condition.unlock()
            if let pages { try? database.execute("PRAGMA max_page_count = \(pages)") }
            commit(batch)
        }
    }

    private func commit(_ batch: [(event: NewEvent, completion: Completion?)]) {
        let now = currentTimeMillis()
        var time = lastTime
        let result: Result<[Event], StoreError>
        do throws(StoreError) {
            try checkNotMoved()
            let events = try database.transaction { () throws(StoreError) in
                try batch.map { (item) throws(StoreError) in
                    time = max(item.event.timeMillis ?? now, time)
                    return try insert(item.event, time: time)
                }
            }
            result = .success(events)
        } catch {
            roomIDs.removeAll()  // a rolled-back transaction may have created a room
            result = .failure(error)
        }
        switch result {
        case .success(let events):
            lastTime = time
            condition.lock()
            statistics.batches += 1
            statistics.events += events.count
            condition.unlock()
            checkpointer?.noteCommit()
            onCommit(events)
            for (item, event) in zip(batch, events) { item.completion?(.success(event)) }
        case .failure(let error):
            for item in batch { item.completion?(.failure(error)) }
        }
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
        try insert.step()
        return Event(
            id: database.lastInsertedRowID, kind: event.kind, room: event.room, user: event.user, text: event.text,
            timeMillis: time, session: session, connection: event.connection, reason: event.reason)
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

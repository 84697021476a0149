import ChatModel
import Foundation

/// A chat database owned by one server: it holds the lock, runs migrations, records sessions,
/// owns the one writer and lends read connections.
///
///     let store = try EventStore(path: "chat.sqlite")
///     let writer = try store.startSession(host: "127.0.0.1", port: 7000, version: "1.0") { batch in ... }
///     writer.submit(NewEvent(kind: .message, user: "alice", text: "hi"))
///     try store.close()
public final class EventStore: Sendable {
    /// How hard a commit waits for the disk.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=NORMAL` in WAL mode: a committed event survives a crash of the server
        /// process; a power cut may lose the last few commits.
        case normal
        /// `synchronous=FULL`: a committed event also survives a power cut, at some speed.
        case full
    }

    public let path: String
    private let lock: FileLock
    private let state: Locked<State>
    /// Idle read connections. A reader is lent only for the length of a `read` call.
    private let readers = Locked<[EventReader]>([])

    /// A reader `read` found referenced by nothing else, so it can go to another thread.
    private struct Unshared: @unchecked Sendable {  // checked at run time: isKnownUniquelyReferenced
        let reader: EventReader
    }

    private struct State {
        /// The connection until a session starts; then its writer owns it.
        var database: Database?
        var writer: EventWriter?
        var indexer: SearchIndexer?
        var closed = false
    }

    /// Whether a session keeps the search index up to date (`SearchIndexer`).
    private let searchIndexing: Bool
    /// Where the store says what it does in the background (the search index's progress).
    private let log: (@Sendable (String) -> Void)?

    /// Opens or creates the database at `path`, takes the server lock, migrates the schema,
    /// checks that WAL took, and marks sessions that died without a clean stop as unclean.
    /// When it fails it leaves nothing behind: no lock file, and no database file it created.
    ///
    /// `maxPageCount` caps the database at that many pages (`PRAGMA max_page_count`; SQLite never
    /// sets it below the current size), for tests and fault drills: once the cap is reached every
    /// batch fails with `.diskFull`, as on a full disk. Leave it nil in production.
    ///
    /// `searchIndexing` false leaves the search index behind while a session runs (benchmarks
    /// and drills; the next session with it on catches up). `log` gets the indexer's progress.
    public init(
        path: String, durability: Durability = .normal, maxPageCount: Int? = nil, searchIndexing: Bool = true,
        log: (@Sendable (String) -> Void)? = nil
    ) throws(StoreError) {
        self.path = path
        self.searchIndexing = searchIndexing
        self.log = log
        try Self.checkDirectory(of: path)
        let created = try createIfMissing(path)
        do {
            lock = try FileLock(databasePath: path)
        } catch {
            if created { unlink(path) }
            throw error
        }
        do throws(StoreError) {
            let database = try Database(path: path, readOnly: false, create: true)
            if database.isReadOnly {
                throw StoreError(
                    .readOnly, path: path, message: "database file is read-only: the server must be able to write")
            }
            // Before anything is written: only a file without tables takes it (see `Vacuum`).
            try database.execute("PRAGMA auto_vacuum = INCREMENTAL")
            let mode = try database.text("PRAGMA journal_mode = WAL")
            guard mode?.lowercased() == "wal" else {
                throw StoreError(
                    .sqlite(code: 0), path: path,
                    message: "could not switch the database to WAL mode (journal_mode is \(mode ?? "unknown"))")
            }
            try database.execute("PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            try database.execute("PRAGMA wal_autocheckpoint = 0")  // the Checkpointer's job
            try database.execute("PRAGMA journal_size_limit = \(Checkpointer.walSizeLimit)")
            try Schema.requireFullTextSearch(database)
            try Schema.migrate(database)
            try database.execute(
                """
                UPDATE sessions SET state = 'unclean',
                    ended_ms = coalesce((SELECT max(time_ms) FROM events WHERE session_id = sessions.id), started_ms)
                WHERE state = 'running'
                """)
            if let maxPageCount { try database.execute("PRAGMA max_page_count = \(maxPageCount)") }
            state = Locked(State(database: database))
        } catch {
            if created {
                for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
            }
            lock.unlock()
            throw error
        }
    }

    /// Records the start of a session (one run of the server) and starts its writer.
    /// `onCommit` receives each committed batch, in id order, on the writer's thread.
    public func startSession(
        host: String, port: Int, version: String, maxBatch: Int = 1024,
        onCommit: @escaping @Sendable ([Event]) -> Void
    ) throws(StoreError) -> EventWriter {
        try startSession(host: host, port: port, version: version, maxBatch: maxBatch, observer: nil) { events, _ in
            onCommit(events)
        }
    }

    /// `startSession` for a server that measures its store: with an `observer`, each batch comes
    /// with its `CommitStats` and every checkpoint is reported.
    public func startSession(
        host: String, port: Int, version: String, maxBatch: Int = 1024, observer: StoreObserver?,
        onCommit: @escaping @Sendable ([Event], CommitStats?) -> Void
    ) throws(StoreError) -> EventWriter {
        guard let database = state.withLock({ $0.database.take() }) else {
            throw StoreError(.closed, path: path, message: "the event store is closed or already has a session")
        }
        // When a step below fails the connection goes with it: the store can then only be closed.
        let insert = try database.prepare(
            "INSERT INTO sessions (started_ms, state, host, port, version) VALUES (?, 'running', ?, ?, ?)")
        insert.bind(currentTimeMillis(), at: 1)
        insert.bind(host, at: 2)
        insert.bind(Int64(port), at: 3)
        insert.bind(version, at: 4)
        try insert.step()
        let committer = try BatchCommitter(database: database, session: database.lastInsertedRowID)
        let checkpointer = try Checkpointer(path: path, checkpointed: observer?.checkpointed)
        let turn = WriteTurn()
        let indexer =
            searchIndexing ? try SearchIndexer(path: path, checkpointer: checkpointer, turn: turn, log: log) : nil
        let writer = EventWriter(
            committer: committer, maxBatch: maxBatch, checkpointer: checkpointer, turn: turn, timed: observer != nil
        ) { events, stats in
            indexer?.noteCommit()
            onCommit(events, stats)
        }
        let started = state.withLock { state in
            guard !state.closed else { return false }
            state.writer = writer
            state.indexer = indexer
            return true
        }
        guard started else {
            indexer?.stop()
            try? writer.drain(clean: true)
            throw StoreError(.closed, path: path, message: "the event store was closed while the session started")
        }
        return writer
    }

    /// Runs `body` with a read connection of this store's pool. The reader is not Sendable: it
    /// stays with the calling thread for the call, and goes back to the pool after it unless
    /// `body` kept a reference to it.
    public func read<T>(_ body: (EventReader) throws -> T) throws -> T {
        var reader =
            try readers.withLock { $0.popLast() } ?? EventReader(database: Database(path: path, readOnly: true))
        defer {
            // The compiler cannot see that `body` let go of the reader, so this checks it: a reader
            // nothing else refers to can safely be lent to another thread later.
            if isKnownUniquelyReferenced(&reader) {
                let idle = Unshared(reader: reader)
                readers.withLock { if $0.count < 8 { $0.append(idle.reader) } }
            }
        }
        return try body(reader)
    }

    /// Waits until the search index covers every event committed so far, at most `timeout`
    /// seconds (tests and benchmarks); true when it does. False at once when nothing indexes.
    public func waitForSearchIndex(timeout: Double) throws -> Bool {
        guard let indexer = state.withLock({ $0.indexer }) else { return false }
        let last = try read { try $0.lastEventID() }
        return indexer.wait(through: last, before: Date(timeIntervalSinceNow: timeout))
    }

    /// Commits everything queued, marks the session clean, and releases the database.
    public func close() throws(StoreError) { try shutDown(clean: true) }

    /// For crash-recovery tests: stops as a killed server would look to the next one. The writer
    /// commits what is queued and stops, but the session stays marked running, no checkpoint runs,
    /// and the lock is released (as the kernel releases it when a process dies).
    func abandon() { try? shutDown(clean: false) }

    private func shutDown(clean: Bool) throws(StoreError) {
        let (database, writer, indexer, wasOpen) = state.withLock { state in
            defer { state = State(closed: true) }
            return (state.database.take(), state.writer, state.indexer, !state.closed)
        }
        guard wasOpen else { return }
        defer { lock.unlock() }
        readers.withLock { $0.removeAll() }
        indexer?.stop()  // first: what it has not indexed waits for the next start
        if let writer {
            try writer.drain(clean: clean)
        } else if clean, let database {
            try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    /// Checks up front that a new database could be created, to name the real cause.
    private static func checkDirectory(of path: String) throws(StoreError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw StoreError(.cannotCreate, path: path, message: "is a directory, not a database file")
            }
            return
        }
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        guard manager.fileExists(atPath: parent, isDirectory: &isDirectory) else {
            throw StoreError(
                .cannotCreate, path: path, message: "cannot create the database: the directory \(parent) does not exist"
            )
        }
        guard isDirectory.boolValue else {
            throw StoreError(
                .cannotCreate, path: path, message: "cannot create the database: \(parent) is not a directory")
        }
        guard manager.isWritableFile(atPath: parent) else {
            throw StoreError(
                .cannotCreate, path: path, message: "cannot create the database: directory \(parent) is not writable")
        }
    }
}

extension EventStore {
    /// The database a server uses when given none: `chat.sqlite` in the current directory.
    public static let defaultPath = "chat.sqlite"
}

/// Creates an empty database file at `path` when there is none (the server lock is keyed on the
/// file), and says whether it did.
private func createIfMissing(_ path: String) throws(StoreError) -> Bool {
    let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd >= 0 {
        close(fd)
        return true
    }
    guard errno == EEXIST else {
        throw StoreError(
            .cannotCreate, path: path, message: "cannot create the database: \(String(cString: strerror(errno)))")
    }
    return false
}

import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// A chat record in PostgreSQL, shared by several nodes: opening it migrates the schema; each
/// node records its run as a session with one writer, and reads and follows the record.
///
///     let store = try await PostgresEventStore(address: PostgresAddress("postgres://chat@127.0.0.1/chat"))
///     let writer = try await store.startSession(host: "0.0.0.0", port: 7070, version: "1.0") { batch in ... }
///     let event = try await writer.append(NewEvent(kind: .message, user: "alice", text: "hi"))
///     try await store.close()
///
/// Unlike `EventStore`, opening it does not mark sessions still `running` as unclean: on a shared
/// database they may be other nodes' live ones: a survivor's `PostgresPresence.reap()` marks a
/// node unclean once its heartbeat has stopped.
public final class PostgresEventStore: Sendable {
    public let address: PostgresAddress
    let logger: Logger
    private let writer = Locked<PostgresEventWriter?>(nil)

    /// Connects to `address`, brings its schema up to date and makes the search index when it can
    /// (`PostgresSearchIndex`); fails with `.unavailable` when the
    /// server cannot be reached, `.notADatabase` for a database holding other tables,
    /// `.newerSchema` for one written by a newer chatroom.
    public init(address: PostgresAddress, logger: Logger = Logger(label: "chat.store.postgres"))
        async throws(StoreError)
    {
        self.address = address
        self.logger = logger
        try await PostgresLink.once(address, role: "migration", logger: logger, "migrating the schema") { connection in
            try await PostgresSchema.migrate(connection, address: address, logger: logger)
            await PostgresSearchIndex.ensure(connection, logger: logger)
        }
    }

    /// Records the start of this node's session and starts its writer. `onCommit` receives each
    /// batch this writer committed, in id order, on the writer's task (other nodes' events come
    /// through a `PostgresTailFollower`); `observe`, when given, with its size and time.
    public func startSession(
        host: String, port: Int, version: String, maxBatch: Int = 1024,
        observe: (@Sendable ([Event], CommitStats) -> Void)? = nil,
        onCommit: @escaping @Sendable ([Event]) -> Void
    ) async throws(StoreError) -> PostgresEventWriter {
        let link = PostgresLink(address: address, role: "writer", logger: logger)
        let session = try await link.run("starting a session") { connection in
            let rows = try await connection.query(
                """
                INSERT INTO sessions (started_ms, state, host, port, version)
                VALUES (\(currentTimeMillis()), 'running', \(host), \(Int32(clamping: port)), \(version)) RETURNING id
                """, logger: self.logger
            ).collect()
            return try rows.first?.decode(Int64.self) ?? 0
        }
        let started = PostgresEventWriter(
            link: link, session: session, maxBatch: maxBatch, onCommit: onCommit, observe: observe)
        let previous = writer.withLock { writer in
            defer { writer = started }
            return writer
        }
        if let previous { try await previous.drain(clean: true) }
        return started
    }

    /// A reader on a connection of its own; close it when done.
    public func reader() -> PostgresEventReader {
        PostgresEventReader(link: PostgresLink(address: address, role: "reader", logger: logger))
    }

    /// A follower of the record from `cursor` on (see `PostgresTailFollower`).
    public func follower(
        after cursor: Int64, interval: Duration = .seconds(1), deliver: @escaping @Sendable ([Event]) async -> Void
    ) -> PostgresTailFollower {
        PostgresTailFollower(address: address, after: cursor, interval: interval, logger: logger, deliver: deliver)
    }

    /// Commits everything queued, marks the session clean, and closes the writer's connection.
    public func close() async throws(StoreError) {
        let open = writer.withLock { writer in
            defer { writer = nil }
            return writer
        }
        try await open?.drain(clean: true)
    }

    /// For tests and drills: stops as a killed node would look, the session left `running`.
    func abandon() async {
        let open = writer.withLock { writer in
            defer { writer = nil }
            return writer
        }
        try? await open?.drain(clean: false)
    }
}

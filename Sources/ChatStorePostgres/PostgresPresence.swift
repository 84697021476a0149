import ChatModel
import ChatStore
import Logging
import PostgresNIO
import Synchronization

/// Who is present on every node of one database, and in which room: the cluster-wide form of
/// the core's `ChatDirectory` names and room members. Names are unique by `NameRules.skeleton`
/// across all nodes (a claim is one `INSERT … ON CONFLICT DO NOTHING` on that key: of two nodes
/// claiming one name at once, exactly one wins). Each node heartbeats its session; a survivor
/// reaps a node whose heartbeat stopped, recording its members' leaves (see `reap()` and
/// docs/SCALING.md, "Membership across nodes").
///
///     let presence = store.presence(session: writer.session, onReaped: { ... })
///     try await presence.start()                       // first heartbeat, then the loop
///     if case .granted = try await presence.claim(7, as: "alice") { ... }
///     _ = try await presence.enter(7, room: "dev")
///     try await presence.close()                       // stops the loop, frees this node's names
///
/// Each call is one statement on a connection of the presence's own, one call at a time; the
/// heartbeat and the reap run on another connection, so busy callers never delay a heartbeat.
public final class PostgresPresence: Presence {
    /// A name present on some node: as given, the node's session, and the connection there.
    public typealias PresentName = ChatStore.PresentName
    /// The outcome of claiming a name, or renaming to one.
    public typealias Claim = NameClaim

    public let address: PostgresAddress
    /// This node's session (its writer's), which holds its names and heartbeats.
    public let session: Int64
    /// How often this node heartbeats, and looks for dead nodes to reap.
    public let heartbeatInterval: Duration
    /// How long a `running` session may go without a heartbeat before a survivor reaps it. A dead
    /// node's leaves are recorded at most `deadAfter + heartbeatInterval` after its last heartbeat
    /// (plus the reap's transaction).
    public let deadAfter: Duration
    let logger: Logger
    let onReaped: @Sendable () -> Void
    let operations: PostgresLink
    private let turns = PostgresTurns()
    let loop: Locked<Loop>
    /// The heartbeat's and the reap's connection, used by the loop's task (or a test's direct call).
    let liveLink: PostgresLink
    let liveTurns = PostgresTurns()

    /// - Parameters:
    ///   - heartbeat: how often this node heartbeats and reaps (default 2 s).
    ///   - deadAfter: a session without a heartbeat for this long is dead (default 10 s); at least
    ///     twice `heartbeat`, so that one late heartbeat does not get a live node reaped.
    ///   - onReaped: called once, from the loop's task, when this node learns it was reaped.
    public init(
        address: PostgresAddress, session: Int64, heartbeat: Duration = .seconds(2),
        deadAfter: Duration = .seconds(10), logger: Logger = Logger(label: "chat.store.postgres"),
        onReaped: @escaping @Sendable () -> Void = {}
    ) {
        self.address = address
        self.session = session
        self.heartbeatInterval = heartbeat
        self.deadAfter = max(deadAfter, heartbeat * 2)
        self.logger = logger
        self.onReaped = onReaped
        operations = PostgresLink(address: address, role: "presence", logger: logger)
        liveLink = PostgresLink(address: address, role: "heartbeat", logger: logger)
        loop = Locked(Loop())
    }

    // MARK: Names

    /// Gives `connection` (of this node) exactly `name` (already clean and not reserved), unless
    /// someone present on any node has a name with its skeleton. A connection holds one name:
    /// `rename` changes it. Throws `.closed` once this node was reaped.
    public func claim(_ connection: Int64, as name: String) async throws(StoreError) -> Claim {
        let (session, key) = (session, NameRules.skeleton(name))
        let granted: Bool
        do throws(StoreError) {
            granted = try await run("claiming a name") { db, logger in
                try await db.query(
                    """
                    WITH node AS (SELECT id FROM sessions WHERE id = \(session) AND state = 'running' FOR SHARE)
                    INSERT INTO present_names (name_key, name, session_id, connection, since_ms)
                    SELECT \(key), \(name), id, \(connection), \(currentTimeMillis()) FROM node
                    ON CONFLICT (name_key) DO NOTHING RETURNING name
                    """, logger: logger
                ).collect().count == 1
            }
        } catch  where error.kind == .postgres(sqlState: "23505") {  // (session_id, connection) is taken
            throw StoreError(
                .invalidArgument, path: address.description, message: "connection \(connection) holds a name: rename it"
            )
        }
        if granted { return .granted }
        return try await refusal(of: name)
    }

    /// Gives `connection`, which holds a name, the name `new` instead, in every room it is in;
    /// `.taken` when someone else holds a name with its skeleton (its own, in another case, is
    /// fine). Atomic across nodes: of two renames to one name at once, exactly one wins.
    public func rename(_ connection: Int64, to new: String) async throws(StoreError) -> Claim {
        let (session, key) = (session, NameRules.skeleton(new))
        let renamed: Bool
        do throws(StoreError) {
            renamed = try await run("renaming") { db, logger in
                try await db.query(
                    """
                    WITH node AS (SELECT id FROM sessions WHERE id = \(session) AND state = 'running' FOR SHARE)
                    UPDATE present_names SET name_key = \(key), name = \(new)
                    WHERE session_id = (SELECT id FROM node) AND connection = \(connection) RETURNING name
                    """, logger: logger
                ).collect().count == 1
            }
        } catch  where error.kind == .postgres(sqlState: "23505") {  // unique_violation: the key is held
            return .taken(by: try await holder(of: new))
        }
        if renamed { return .granted }
        try await requireRunning()
        throw StoreError(
            .notFound, path: address.description, message: "connection \(connection) holds no name to rename")
    }

    /// Frees the name of `connection` (of this node) and takes it out of every room; false when it
    /// held none.
    @discardableResult
    public func release(_ connection: Int64) async throws(StoreError) -> Bool {
        let session = session
        return try await run("releasing a name") { db, logger in
            try await db.query(
                "DELETE FROM present_names WHERE session_id = \(session) AND connection = \(connection) RETURNING name",
                logger: logger
            ).collect().count == 1
        }
    }

    /// Whoever, on any node, holds a name with `name`'s skeleton (any case, any lookalike); nil
    /// when nobody does. For private messages: the recipient, and the node it is on.
    public func holder(of name: String) async throws(StoreError) -> PresentName? {
        let key = NameRules.skeleton(name)
        return try await presentNames(
            "finding a name", "SELECT name, session_id, connection FROM present_names WHERE name_key = \(key)"
        ).first
    }

    /// Everyone present on every node, by name key.
    public func everyone() async throws(StoreError) -> [PresentName] {
        try await presentNames(
            "listing the names present", "SELECT name, session_id, connection FROM present_names ORDER BY name_key")
    }

    // MARK: Rooms

    /// Puts `connection` (of this node, holding a name) in `room`; false when it was in already.
    @discardableResult
    public func enter(_ connection: Int64, room: String) async throws(StoreError) -> Bool {
        let (session, key) = (session, Room.key(room))
        let entered: Bool
        do throws(StoreError) {
            entered = try await run("entering a room") { db, logger in
                try await db.query(
                    """
                    WITH node AS (SELECT id FROM sessions WHERE id = \(session) AND state = 'running' FOR SHARE)
                    INSERT INTO room_members (room_key, room, session_id, connection)
                    SELECT \(key), \(room), id, \(connection) FROM node
                    ON CONFLICT (room_key, session_id, connection) DO NOTHING RETURNING seq
                    """, logger: logger
                ).collect().count == 1
            }
        } catch  where error.kind == .postgres(sqlState: "23503") {  // foreign_key_violation: no name
            try await requireRunning()
            throw StoreError(
                .notFound, path: address.description, message: "connection \(connection) holds no name: claim one first"
            )
        }
        if !entered { try await requireRunning() }
        return entered
    }

    /// Takes `connection` (of this node) out of `room`; false when it was not in it.
    @discardableResult
    public func leave(_ connection: Int64, room: String) async throws(StoreError) -> Bool {
        let (session, key) = (session, Room.key(room))
        return try await run("leaving a room") { db, logger in
            try await db.query(
                """
                DELETE FROM room_members WHERE room_key = \(key) AND session_id = \(session) AND connection = \(connection)
                RETURNING seq
                """, logger: logger
            ).collect().count == 1
        }
    }

    /// The members of `room` (any case) on every node, in the order they entered it.
    public func members(of room: String) async throws(StoreError) -> [PresentName] {
        let key = Room.key(room)
        return try await presentNames(
            "listing a room's members",
            """
            SELECT p.name, p.session_id, p.connection FROM room_members m
            JOIN present_names p ON p.session_id = m.session_id AND p.connection = m.connection
            WHERE m.room_key = \(key) ORDER BY m.seq
            """)
    }

    /// The rooms `connection` (of this node) is in, in the order it entered them, as it spelled them.
    public func rooms(of connection: Int64) async throws(StoreError) -> [String] {
        let session = session
        return try await run("listing a member's rooms") { db, logger in
            var rooms: [String] = []
            let rows = try await db.query(
                "SELECT room FROM room_members WHERE session_id = \(session) AND connection = \(connection) ORDER BY seq",
                logger: logger)
            for try await room in rows.decode(String.self) { rooms.append(room) }
            return rooms
        }
    }

    // MARK: Helpers

    /// Runs `body` on the operations' connection, once the calls before it are done, waiting for
    /// it at most `deadAfter`.
    private func run<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws(StoreError) -> T {
        let (operations, logger) = (operations, logger)
        return try await turns.run { () async throws(StoreError) -> T in
            if loop.withLock({ $0.closed }) {
                throw StoreError(.closed, path: address.description, message: "this node's presence is closed")
            }
            return try await Self.withDeadline(deadAfter, on: operations, what) { () async throws(StoreError) -> T in
                try await operations.run(what) { connection in try await body(connection, logger) }
            }
        }
    }

    /// Closes the operations' connection once the calls before are done (`close()`; later calls
    /// are refused).
    func closeOperations() async {
        let operations = operations
        try? await turns.run { () async throws(StoreError) in await operations.drop() }
    }

    private func presentNames(_ what: String, _ query: PostgresQuery) async throws(StoreError) -> [PresentName] {
        try await run(what) { connection, logger in
            var names: [PresentName] = []
            for try await (name, session, id) in try await connection.query(query, logger: logger).decode(
                (String, Int64, Int64).self)
            {
                names.append(PresentName(name: name, session: session, connection: id))
            }
            return names
        }
    }

    /// Why a claim inserted nothing: this node was reaped (thrown), or the name is taken.
    private func refusal(of name: String) async throws(StoreError) -> Claim {
        try await requireRunning()
        return .taken(by: try await holder(of: name))
    }

    /// Throws `.closed` when this node's session is no longer `running` (it was reaped).
    private func requireRunning() async throws(StoreError) {
        let session = session
        let running = try await run("reading this node's session") { connection, logger in
            try await connection.query(
                "SELECT state = 'running' FROM sessions WHERE id = \(session)", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        }
        guard running else { throw reapedError() }
    }

    func reapedError() -> StoreError {
        StoreError(
            .closed, path: address.description,
            message:
                "this node's session \(session) is no longer running: another node reaped it (its heartbeat had stopped for too long) and recorded its members' leaves; start a new session"
        )
    }
}

extension PostgresEventStore {
    /// The membership across nodes of this node, whose session is `session` (its writer's); call
    /// `start()` on it.
    public func presence(
        session: Int64, heartbeat: Duration = .seconds(2), deadAfter: Duration = .seconds(10),
        onReaped: @escaping @Sendable () -> Void = {}
    ) -> PostgresPresence {
        PostgresPresence(
            address: address, session: session, heartbeat: heartbeat, deadAfter: deadAfter, logger: logger,
            onReaped: onReaped)
    }
}

import ChatModel
import ChatStore
import Logging
import PostgresNIO

/// Node liveness: each node's loop heartbeats its session and reaps dead nodes. A node is dead
/// when its session is still `running` but its last heartbeat (the database's clock) is older
/// than `deadAfter`; the survivor whose reap finds it first marks it `unclean`, frees its names
/// and records its members' leaves (`connection lost`), in one transaction.
extension PostgresPresence {
    /// What a heartbeat learned.
    public enum Liveness: Sendable, Hashable {
        case alive
        /// This node's session is no longer `running`: a survivor reaped it while it could not
        /// heartbeat, and recorded its members' leaves. See `onReaped`.
        case reaped
    }

    /// What one reap did: the sessions it marked `unclean`, and the leaves it recorded for their
    /// members (each in id order; none twice: two survivors reaping at once never take one
    /// session both).
    public struct Reaping: Sendable, Hashable {
        public var sessions: [Int64]
        public var leaves: [Event]
    }

    struct Loop {
        var task: Task<Void, Never>?
        var reaped = false
        /// `close()` began: calls are refused (none may open a connection it would not close).
        var closed = false
        var lastHeartbeat: ContinuousClock.Instant?
        var reapedSessions: [Int64] = []
        var leavesRecorded = 0
    }

    /// True once this node learned that it was reaped.
    public var isReaped: Bool { loop.withLock { $0.reaped } }

    /// True when this node's last successful heartbeat is older than `deadAfter` (or it has had
    /// none): the database cannot be reached, and survivors may have reaped it. It then claims
    /// nothing (every call fails) and should stop taking clients until a heartbeat answers again.
    public var isOutOfTouch: Bool {
        guard let last = loop.withLock({ $0.lastHeartbeat }) else { return true }
        return ContinuousClock.now - last > deadAfter
    }

    /// The sessions this node reaped, and the leaves it recorded for them.
    public var reaped: (sessions: [Int64], leaves: Int) {
        loop.withLock { ($0.reapedSessions, $0.leavesRecorded) }
    }

    /// Heartbeats once (so that this node is not dead from now on), then starts the loop that
    /// heartbeats and reaps every `heartbeatInterval`. Throws `.closed` when this node was
    /// reaped already.
    public func start() async throws(StoreError) {
        guard try await heartbeat() == .alive else { throw reapedError() }
        let task = Task { await self.beat() }
        let previous = loop.withLock { loop in
            defer { loop.task = task }
            return loop.task
        }
        previous?.cancel()
    }

    /// Stops heartbeating and reaping (the names stay: to survivors this node now looks dead).
    public func stop() async {
        let task = loop.withLock { loop in
            defer { loop.task = nil }
            return loop.task
        }
        task?.cancel()
        await task?.value
    }

    /// A clean stop: stops the loop, refuses calls from now on (`.closed`; those under way finish
    /// first), frees every name of this node (its rooms too) and closes the connections, also when freeing fails (then the next reap of a survivor frees them, once
    /// this session is no longer `running`). The core records its members' leaves (`server
    /// shutdown`) itself.
    public func close() async throws(StoreError) {
        await stop()
        loop.withLock { $0.closed = true }
        await closeOperations()
        let session = session
        do throws(StoreError) {
            try await live("freeing this node's names") { connection, logger in
                try await connection.query("DELETE FROM present_names WHERE session_id = \(session)", logger: logger)
                return ()
            }
        } catch {
            await liveLink.drop()
            await operations.drop()
            throw error
        }
        await liveLink.drop()
        await operations.drop()
    }

    /// Tells the database this node is alive; `.reaped` when its session is no longer `running`
    /// (then `onReaped` is called, once).
    public func heartbeat() async throws(StoreError) -> Liveness {
        let (session, sent) = (session, ContinuousClock.now)
        let running = try await live("heartbeating") { connection, logger in
            try await connection.query(
                """
                UPDATE sessions SET heartbeat_ms = \(unescaped: PostgresPresenceSchema.now)
                WHERE id = \(session) AND state = 'running' RETURNING id
                """, logger: logger
            ).collect().count == 1
        }
        if running {
            loop.withLock { $0.lastHeartbeat = sent }
            return .alive
        }
        let first = loop.withLock { loop in
            defer { loop.reaped = true }
            return !loop.reaped
        }
        if first {
            logger.error("chat store presence: \(reapedError().message)")
            onReaped()
        }
        return .reaped
    }

    /// Reaps every other node that is dead: in one transaction, marks its session `unclean`
    /// (ended at its last heartbeat), frees its names and records, for each of its members, a
    /// `leave` (reason `connection lost`) in every room it was in, in the order it entered them,
    /// with ids from the counter row and the `NOTIFY` of any commit, so every node's follower
    /// hands them on in order. A session another survivor is reaping is skipped (`SKIP LOCKED`),
    /// and one it has reaped is no longer `running`: leaves are recorded once. Also frees names
    /// left behind by sessions that ended (without leaves: those were the node's to record).
    @discardableResult
    public func reap() async throws(StoreError) -> Reaping {
        let (session, deadAfterMillis) = (session, Self.milliseconds(deadAfter))
        let lockTimeout = "\(Self.milliseconds(heartbeatInterval))ms"
        let reaping = try await live("reaping dead nodes") { connection, logger in
            try await connection.withTransaction(logger: logger) { connection in
                // Never wait on a lock for longer than an interval: the next heartbeat is due.
                try await connection.query("SELECT set_config('lock_timeout', \(lockTimeout), true)", logger: logger)
                var dead: [Int64] = []
                for try await id in try await connection.query(
                    """
                    WITH dead AS (
                        SELECT id FROM sessions
                        WHERE state = 'running' AND id <> \(session)
                            AND heartbeat_ms < \(unescaped: PostgresPresenceSchema.now) - \(deadAfterMillis)
                        ORDER BY id FOR NO KEY UPDATE SKIP LOCKED)
                    UPDATE sessions s SET state = 'unclean', ended_ms = s.heartbeat_ms FROM dead WHERE s.id = dead.id
                    RETURNING s.id
                    """, logger: logger
                ).decode(Int64.self) {
                    dead.append(id)
                }
                dead.sort()
                let leaves = try await Self.recordLeaves(of: dead, on: connection, logger: logger)
                try await connection.query(
                    """
                    DELETE FROM present_names p USING sessions s WHERE s.id = p.session_id AND s.state <> 'running'
                    """, logger: logger)
                return Reaping(sessions: dead, leaves: leaves)
            }
        }
        if !reaping.sessions.isEmpty {
            loop.withLock { loop in
                loop.reapedSessions += reaping.sessions
                loop.leavesRecorded += reaping.leaves.count
            }
            logger.notice(
                "chat store presence: reaped dead sessions \(reaping.sessions) (no heartbeat for \(deadAfter)): \(reaping.leaves.count) leaves recorded"
            )
        }
        return reaping
    }

    /// The leaves of the members of the `dead` sessions (already marked, locked by this
    /// transaction), recorded as events of their sessions.
    private static func recordLeaves(
        of dead: [Int64], on connection: PostgresConnection, logger: Logger
    ) async throws -> [Event] {
        guard !dead.isEmpty else { return [] }
        var leaves: [Int64: [NewEvent]] = [:]
        for try await (session, member, name, room) in try await connection.query(
            """
            SELECT m.session_id, m.connection, p.name, m.room FROM room_members m
            JOIN present_names p ON p.session_id = m.session_id AND p.connection = m.connection
            WHERE m.session_id = ANY(\(dead)) ORDER BY m.session_id, m.connection, m.seq
            """, logger: logger
        ).decode((Int64, Int64, String, String).self) {
            leaves[session, default: []].append(
                NewEvent(kind: .leave, room: room, user: name, connection: member, reason: .connectionLost))
        }
        try await connection.query("DELETE FROM present_names WHERE session_id = ANY(\(dead))", logger: logger)
        var (recorded, rooms) = ([Event](), [String: Int64]())
        for session in dead {
            guard let batch = leaves[session] else { continue }
            let (events, known) = try await PostgresBatchCommit.record(
                batch, session: session, knownRooms: rooms, on: connection, logger: logger)
            recorded += events
            rooms = known
        }
        return recorded
    }

    /// The loop: a heartbeat, then a reap, every `heartbeatInterval`, until stopped or reaped.
    /// A node that was paused itself (its previous heartbeat more than three intervals ago: a
    /// stalled process or machine) skips that round's reap, so that it never reaps peers paused
    /// with it before they had a chance to heartbeat again.
    private func beat() async {
        while !Task.isCancelled {
            do throws(StoreError) {
                let previous = loop.withLock { $0.lastHeartbeat }
                if try await heartbeat() == .reaped { return }
                if let previous, ContinuousClock.now - previous > heartbeatInterval * 3 {
                    logger.notice("chat store presence: this node was paused; no reap this round")
                } else {
                    try await reap()
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("chat store presence: \(error.message); trying again in \(heartbeatInterval)")
            }
            try? await Task.sleep(for: heartbeatInterval)
        }
    }

    /// Runs `body` on the heartbeat's connection, one call at a time, waiting for it at most
    /// `deadAfter - heartbeatInterval`: then the node still heartbeats before survivors reap it.
    func live<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws(StoreError) -> T {
        let (link, logger) = (liveLink, logger)
        return try await liveTurns.run { () async throws(StoreError) -> T in
            try await Self.withDeadline(deadAfter - heartbeatInterval, on: link, what) {
                () async throws(StoreError) -> T in
                try await link.run(what) { connection in try await body(connection, logger) }
            }
        }
    }

    /// Runs `body` on `link`; after `timeout` without an answer closes its connection and throws
    /// `.unavailable` (see `PostgresDeadline`).
    static func withDeadline<T: Sendable>(
        _ timeout: Duration, on link: PostgresLink, _ what: String,
        _ body: @escaping @Sendable () async throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        try await PostgresDeadline.run(
            within: timeout,
            failure: {
                PostgresFailure.unavailable(at: link.address, doing: what, cause: "no answer within \(timeout)")
            },
            abandon: { await link.drop() }, body)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

import ChatCore
import ChatModel
import ChatProtocol
import ChatStore
import ChatStorePostgres
import Logging

/// The server's record, opened on its `ServerDatabase`, with the fan-out wired in: SQLite's
/// writer hands on its own commits; a PostgreSQL node's tail follower hands on every node's, and
/// its presence shares names and room members with the other nodes (heartbeating, and reaping
/// dead nodes), and its directory follows the other nodes' rooms and members.
enum ServerStore: Sendable {
    case sqlite(EventStore, EventWriter)
    case postgres(PostgresRecord, PostgresPresence)

    /// What the core writes and reads.
    var record: any ChatRecord {
        switch self {
        case .sqlite(let store, let writer): SQLiteRecord(store: store, writer: writer)
        case .postgres(let record, _): record
        }
    }

    /// Names and room members across the nodes; nil on SQLite (the `ChatDirectory` alone).
    var presence: PostgresPresence? {
        if case .postgres(_, let presence) = self { presence } else { nil }
    }

    /// On PostgreSQL, while this node's heartbeats have not reached the database for longer than
    /// its `deadAfter` (other nodes may take it for dead): why, for `/health`. Nil otherwise.
    var outOfTouch: StoreError? {
        guard let presence, presence.isOutOfTouch else { return nil }
        return StoreError(
            .unavailable, path: presence.address.description,
            message: "no heartbeat of this node reached the database lately")
    }

    /// The SQLite store; nil on PostgreSQL.
    var sqlite: EventStore? {
        if case .sqlite(let store, _) = self { store } else { nil }
    }

    /// Opens the record, reads the directory from it, and starts this server's session, whose
    /// committed batches (and, on PostgreSQL, other nodes') go to `directory.committed` and `hub`.
    /// On PostgreSQL the session's presence starts too; `onReaped` is called once if another node
    /// reaps this one, and `onCommitted` gets every node's batches after the hub (`SharedSanctions`).
    static func open(
        _ configuration: ServerConfiguration, host: String, port: Int, hub: RoomHub, metrics: ServerMetrics?,
        logger: Logger, onReaped: @escaping @Sendable () -> Void,
        onCommitted: @escaping @Sendable ([Event]) -> Void = { _ in }
    ) async throws -> (ServerStore, ChatDirectory) {
        switch configuration.database {
        case .sqlite(let path):
            return try openSQLite(
                path, configuration, host: host, port: port, hub: hub, metrics: metrics, logger: logger)
        case .postgres(let address):
            let store = try await PostgresEventStore(address: address, logger: logger)
            let readers = PostgresReaderPool(store: store)
            let (record, directory): (PostgresRecord, ChatDirectory)
            var observe: (@Sendable ([Event], CommitStats) -> Void)?
            if let metrics { observe = { events, stats in metrics.committed(events, stats) } }
            do {
                // The cursor first: events committed while the directory is read come again
                // through the follower, and the directory takes them twice without harm. The
                // other nodes' members are those of their events through the cursor, the
                // follower hands on the rest.
                let cursor = try await readers.lastEventID()
                directory = try await ChatCore.directory(of: readers, defaultRoom: configuration.defaultRoom)
                directory.followOtherSessions()
                directory.committed(try await readers.membershipEvents(besides: nil, through: cursor))
                record = try await PostgresRecord.start(
                    store: store, readers: readers, after: cursor, host: host, port: port, version: chatroomVersion,
                    observe: observe
                ) { events in
                    directory.committed(events)
                    hub.deliver(events, connectionOf: directory.connection(of:))
                    onCommitted(events)
                }
                directory.followOtherSessions(ownSession: record.session)
            } catch {
                await readers.close()
                try? await store.close()
                throw error
            }
            let presence = store.presence(
                session: record.session, heartbeat: .seconds(configuration.presenceHeartbeatSeconds),
                deadAfter: .seconds(configuration.presenceDeadAfterSeconds), onReaped: onReaped)
            do {
                try await presence.start()
            } catch {
                try? await record.close()
                throw error
            }
            return (.postgres(record, presence), directory)
        }
    }

    private static func openSQLite(
        _ path: String, _ configuration: ServerConfiguration, host: String, port: Int, hub: RoomHub,
        metrics: ServerMetrics?, logger: Logger
    ) throws -> (ServerStore, ChatDirectory) {
        let store = try EventStore(
            path: path, durability: configuration.durability, maxPageCount: configuration.maxPageCount,
            searchIndexing: configuration.searchIndexing, log: { logger.info("\($0)") })
        do {
            let directory = try ChatCore.directory(of: store, defaultRoom: configuration.defaultRoom)
            let observer = metrics.map { metrics in
                StoreObserver { seconds, truncate in metrics.checkpointed(seconds: seconds, truncate: truncate) }
            }
            let writer = try store.startSession(host: host, port: port, version: chatroomVersion, observer: observer) {
                events, stats in
                directory.committed(events)
                guard let metrics, let stats else {
                    return hub.deliver(events, connectionOf: directory.connection(of:))
                }
                metrics.committed(events, stats)
                hub.deliver(
                    events, timing: DeliveryTiming(submittedAt: stats.oldestSubmittedNanos, metrics: metrics),
                    connectionOf: directory.connection(of:))
            }
            return (.sqlite(store, writer), directory)
        } catch {
            try? store.close()
            throw error
        }
    }

    /// Commits what is queued, closes the session cleanly and lets go of the database. On
    /// PostgreSQL the presence goes last, freeing this node's names (it heartbeats until then, so
    /// a slow close is never taken for a dead node).
    func close() async throws {
        switch self {
        case .sqlite(let store, _): try store.close()
        case .postgres(let record, let presence):
            do {
                try await record.close()
            } catch {
                try? await presence.close()
                throw error
            }
            try await presence.close()
        }
    }
}

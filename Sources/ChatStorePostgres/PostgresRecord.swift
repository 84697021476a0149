import ChatModel
import ChatStore

/// A node's chat record in PostgreSQL, for the core (`ChatRecord`): its session's writer, a pool
/// of readers, and the tail follower, whose batches (every node's, its own too, in id order) are
/// the node's fan-out. The writer hands nothing on itself: that would deliver its own events
/// twice, or before other nodes' lower ids. A completion is held until the follower has handed
/// its event on, so `ChatRecord`'s promise holds as in SQLite.
///
///     let store = try await PostgresEventStore(address: address)
///     let readers = PostgresReaderPool(store: store)
///     let cursor = try await readers.lastEventID()
///     // read the directory from `readers`, then:
///     let record = try await PostgresRecord.start(store: store, readers: readers, after: cursor, ...) { batch in ... }
public final class PostgresRecord: ChatRecord, RecordReaderForwarding {
    public let store: PostgresEventStore
    public let readers: PostgresReaderPool
    public let writer: PostgresEventWriter
    public let follower: PostgresTailFollower
    private let held: HeldCompletions
    /// Lets go of completions the follower has not released in `maxHold` (it cannot reach the
    /// database, or stalled): logged, never silent.
    private let watchdog: Task<Void, Never>

    /// How long a completion waits for the follower at most.
    public static let maxHold: Duration = .seconds(5)

    /// Starts this node's session and follows the record from `cursor` (the last id the node's
    /// state was read through), handing each batch to `deliver` in id order, on the follower's task.
    /// `followInterval` is the follower's timer, in case a notification is lost; `observe` learns the size
    /// and time of each batch this node commits (a server's metrics).
    public static func start(
        store: PostgresEventStore, readers: PostgresReaderPool, after cursor: Int64, host: String, port: Int,
        version: String, followInterval: Duration = .seconds(1),
        observe: (@Sendable ([Event], CommitStats) -> Void)? = nil,
        deliver: @escaping @Sendable ([Event]) -> Void
    ) async throws(StoreError) -> PostgresRecord {
        let held = HeldCompletions(delivered: cursor)
        let writer = try await store.startSession(host: host, port: port, version: version, observe: observe) { _ in }
        let follower = store.follower(after: cursor, interval: followInterval) { events in
            deliver(events)
            if let last = events.last { held.delivered(through: last.id) }
        }
        follower.start()
        let logger = store.logger
        let watchdog = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let released = held.expire(olderThan: Double(maxHold.components.seconds))
                if released > 0 {
                    logger.warning(
                        "chat store: \(released) committed events not yet handed on by the follower after \(maxHold); their senders are told they are stored"
                    )
                }
            }
        }
        return PostgresRecord(
            store: store, readers: readers, writer: writer, follower: follower, held: held, watchdog: watchdog)
    }

    private init(
        store: PostgresEventStore, readers: PostgresReaderPool, writer: PostgresEventWriter,
        follower: PostgresTailFollower, held: HeldCompletions, watchdog: Task<Void, Never>
    ) {
        self.store = store
        self.readers = readers
        self.writer = writer
        self.follower = follower
        self.held = held
        self.watchdog = watchdog
    }

    public var reads: any RecordReader { readers }
    public var session: Int64 { writer.session }
    public var lastFailure: StoreError? { writer.lastFailure }

    public func submit(_ event: NewEvent, completion: EventWriter.Completion?) {
        guard let completion else { return writer.submit(event) }
        let held = self.held
        writer.submit(event) { result in
            guard case .success(let committed) = result else { return completion(result) }
            held.complete(committed, completion)
        }
    }

    /// Commits what is queued and marks the session clean, stops following (completions still
    /// held run: their events are stored), and closes the readers.
    public func close() async throws(StoreError) {
        watchdog.cancel()
        defer { held.releaseAll() }
        do {
            try await store.close()
        } catch {
            await follower.stop()
            await readers.close()
            throw error
        }
        await follower.stop()
        await readers.close()
    }
}

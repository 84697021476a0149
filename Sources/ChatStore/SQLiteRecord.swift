import ChatModel

/// The chat record in SQLite, for the core: the session's `EventWriter`, and reads through the
/// `EventStore`'s pool of read connections, run on `BlockingReads`' threads (an SQLite call
/// blocks; the core's callers are tasks). Completions run on the writer's thread after its
/// `onCommit` had the batch, which is the server's fan-out.
public struct SQLiteRecord: ChatRecord {
    public let store: EventStore
    public let writer: EventWriter

    public init(store: EventStore, writer: EventWriter) {
        self.store = store
        self.writer = writer
    }

    public var session: Int64 { writer.session }
    public var lastFailure: StoreError? { writer.lastFailure }

    public func submit(_ event: NewEvent, completion: EventWriter.Completion?) {
        writer.submit(event, completion: completion)
    }

    public func recent(room: String, limit: Int) async throws(StoreError) -> [Event] {
        try await reading { try $0.recent(room: room, limit: limit) }
    }

    public func lastEventID() async throws(StoreError) -> Int64 {
        try await reading { try $0.lastEventID() }
    }

    public func count(room: String, after id: Int64, through last: Int64) async throws(StoreError) -> Int {
        try await reading { try $0.count(room: room, after: id, through: last) }
    }

    public func eventID(room: String, fromEnd n: Int) async throws(StoreError) -> Int64? {
        try await reading { try $0.eventID(room: room, fromEnd: n) }
    }

    public func events(
        room: String, after id: Int64, through last: Int64, limit: Int
    ) async throws(StoreError) -> [Event] {
        try await reading { try $0.events(room: room, after: id, through: last, limit: limit) }
    }

    public func privateEvents(
        of name: String, after id: Int64, through last: Int64, limit: Int
    ) async throws(StoreError) -> [Event] {
        try await reading { try $0.privateEvents(of: name, after: id, through: last, limit: limit) }
    }

    public func messages(
        room: String, above lower: Int64, below upper: Int64, limit: Int, newest: Bool
    ) async throws(StoreError) -> [Event] {
        try await reading { try $0.messages(room: room, above: lower, below: upper, limit: limit, newest: newest) }
    }

    public func eventID(atTime millis: Int64, before: Bool) async throws(StoreError) -> Int64? {
        try await reading { try $0.eventID(atTime: millis, before: before) }
    }

    public func search(_ words: String, in scope: SearchScope) async throws(StoreError) -> [SearchHit] {
        try await reading { try $0.search(words, in: scope) }
    }

    public func roomNames() async throws(StoreError) -> [String] {
        try await reading { try $0.roomNames() }
    }

    public func topics() async throws(StoreError) -> [Event] {
        try await reading { try $0.topics() }
    }

    /// Runs `body` with a read connection, on a thread of `BlockingReads`.
    private func reading<T: Sendable>(
        _ body: @escaping @Sendable (EventReader) throws -> T
    ) async throws(StoreError) -> T {
        let store = self.store
        let result = await BlockingReads.shared.run { () -> Result<T, StoreError> in
            do {
                return .success(try store.read(body))
            } catch let error as StoreError {
                return .failure(error)
            } catch {
                return .failure(StoreError(.sqlite(code: 0), path: store.path, message: "\(error)"))
            }
        }
        return try result.get()
    }
}

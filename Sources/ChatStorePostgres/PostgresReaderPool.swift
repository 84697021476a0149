import ChatModel
import ChatStore
import Synchronization

/// A few readers, each on a connection of its own, taken in turn: the core's reads
/// (`RecordReader`) of a node, several at once.
public final class PostgresReaderPool: RecordReader {
    private let readers: [PostgresEventReader]
    private let turn = Atomic<Int>(0)

    /// `count` readers of `store` (at least one); they connect on their first query.
    public init(store: PostgresEventStore, count: Int = 4) {
        readers = (0..<max(count, 1)).map { _ in store.reader() }
    }

    /// Closes every reader's connection.
    public func close() async {
        for reader in readers { await reader.close() }
    }

    var next: PostgresEventReader {
        readers[(turn.add(1, ordering: .relaxed).newValue & Int.max) % readers.count]
    }

    public func recent(room: String, limit: Int) async throws(StoreError) -> [Event] {
        try await next.recent(room: room, limit: limit)
    }

    public func lastEventID() async throws(StoreError) -> Int64 {
        try await next.lastEventID()
    }

    public func count(room: String, after id: Int64, through last: Int64) async throws(StoreError) -> Int {
        try await next.count(room: room, after: id, through: last)
    }

    public func eventID(room: String, fromEnd n: Int) async throws(StoreError) -> Int64? {
        try await next.eventID(room: room, fromEnd: n)
    }

    public func events(
        room: String, after id: Int64, through last: Int64, limit: Int
    ) async throws(StoreError) -> [Event] {
        try await next.events(room: room, after: id, through: last, limit: limit)
    }

    public func privateEvents(
        of name: String, after id: Int64, through last: Int64, limit: Int
    ) async throws(StoreError) -> [Event] {
        try await next.privateEvents(of: name, after: id, through: last, limit: limit)
    }

    public func messages(
        room: String, above lower: Int64, below upper: Int64, limit: Int, newest: Bool
    ) async throws(StoreError) -> [Event] {
        try await next.messages(room: room, above: lower, below: upper, limit: limit, newest: newest)
    }

    public func eventID(atTime millis: Int64, before: Bool) async throws(StoreError) -> Int64? {
        try await next.eventID(atTime: millis, before: before)
    }

    public func search(_ words: String, in scope: SearchScope) async throws(StoreError) -> [SearchHit] {
        try await next.search(words, in: scope)
    }

    public func roomNames() async throws(StoreError) -> [String] {
        try await next.roomNames()
    }

    public func topics() async throws(StoreError) -> [Event] {
        try await next.topics()
    }

    /// See `PostgresEventReader.databaseBytes()`.
    public func databaseBytes() async throws(StoreError) -> Int64 {
        try await next.databaseBytes()
    }
}

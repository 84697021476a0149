import ChatModel

/// The reads the chat core makes of the record, whichever database holds it: catch-up, history
/// windows, private messages, search, and the rooms and topics of the directory. Each answers
/// as `EventReader`'s method of the same name.
public protocol RecordReader: Sendable {
    func recent(room: String, limit: Int) async throws(StoreError) -> [Event]
    func lastEventID() async throws(StoreError) -> Int64
    func count(room: String, after id: Int64, through last: Int64) async throws(StoreError) -> Int
    func eventID(room: String, fromEnd n: Int) async throws(StoreError) -> Int64?
    func events(room: String, after id: Int64, through last: Int64, limit: Int) async throws(StoreError) -> [Event]
    func privateEvents(
        of name: String, after id: Int64, through last: Int64, limit: Int
    ) async throws(StoreError) -> [Event]
    func messages(
        room: String, above lower: Int64, below upper: Int64, limit: Int, newest: Bool
    ) async throws(StoreError) -> [Event]
    func eventID(atTime millis: Int64, before: Bool) async throws(StoreError) -> Int64?
    func search(_ words: String, in scope: SearchScope) async throws(StoreError) -> [SearchHit]
    func roomNames() async throws(StoreError) -> [String]
    func topics() async throws(StoreError) -> [Event]
}

/// The chat record as the core uses it, in SQLite (`SQLiteRecord`) or PostgreSQL: this node's
/// session, its writer, and the reads.
///
/// The promise of `submit`: a completion runs after the committed event was handed to the
/// server's fan-out (the doors rely on it: a quit's completion comes after the quit went out).
public protocol ChatRecord: RecordReader {
    /// The session (server run) this node records.
    var session: Int64 { get }
    /// Why the last batch could not be committed; nil when it was.
    var lastFailure: StoreError? { get }
    /// Queues `event` for the next commit; `completion` learns its id, or why it was not stored.
    func submit(_ event: NewEvent, completion: EventWriter.Completion?)
}

/// A `RecordReader` whose reads are another one's (a record that holds its readers apart).
public protocol RecordReaderForwarding: RecordReader {
    var reads: any RecordReader { get }
}

extension RecordReaderForwarding {
    public func recent(room: String, limit: Int) async throws(StoreError) -> [Event] {
        try await reads.recent(room: room, limit: limit)
    }

    public func lastEventID() async throws(StoreError) -> Int64 {
        try await reads.lastEventID()
    }

    public func count(room: String, after id: Int64, through last: Int64) async throws(StoreError) -> Int {
        try await reads.count(room: room, after: id, through: last)
    }

    public func eventID(room: String, fromEnd n: Int) async throws(StoreError) -> Int64? {
        try await reads.eventID(room: room, fromEnd: n)
    }

    public func events(
        room: String, after id: Int64, through last: Int64, limit: Int
    ) async throws(StoreError) -> [Event] {
        try await reads.events(room: room, after: id, through: last, limit: limit)
    }

    public func privateEvents(
        of name: String, after id: Int64, through last: Int64, limit: Int
    ) async throws(StoreError) -> [Event] {
        try await reads.privateEvents(of: name, after: id, through: last, limit: limit)
    }

    public func messages(
        room: String, above lower: Int64, below upper: Int64, limit: Int, newest: Bool
    ) async throws(StoreError) -> [Event] {
        try await reads.messages(room: room, above: lower, below: upper, limit: limit, newest: newest)
    }

    public func eventID(atTime millis: Int64, before: Bool) async throws(StoreError) -> Int64? {
        try await reads.eventID(atTime: millis, before: before)
    }

    public func search(_ words: String, in scope: SearchScope) async throws(StoreError) -> [SearchHit] {
        try await reads.search(words, in: scope)
    }

    public func roomNames() async throws(StoreError) -> [String] {
        try await reads.roomNames()
    }

    public func topics() async throws(StoreError) -> [Event] {
        try await reads.topics()
    }
}

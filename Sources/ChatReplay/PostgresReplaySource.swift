import ChatModel
import ChatStore
import ChatStorePostgres

/// A PostgreSQL record as `chat-replay` reads it: the same sessions, pages and search as a SQLite
/// file's. It has no search index to lag behind (search reads the events themselves).
public struct PostgresReplaySource: ReplaySource {
    public let reader: PostgresEventReader
    /// The address without its password, for messages.
    public let place: String

    /// A reader of the database at `address` (`postgres://…`); it connects on its first read.
    public init(address text: String) throws(ReplayError) {
        let address: PostgresAddress
        do {
            address = try PostgresAddress(text)
        } catch {
            throw ReplayError(error.message)
        }
        reader = PostgresEventReader(address: address)
        place = address.description
    }

    /// Closes the reader's connection.
    public func close() async { await reader.close() }

    public func sessions() async throws -> [Session] { try await reader.sessions() }
    public func session(_ id: Int64) async throws -> Session? { try await reader.session(id) }
    public func latestSessionID() async throws -> Int64? { try await reader.latestSessionID() }
    public func roomCounts() async throws -> [RoomCount] { try await reader.roomCounts() }

    public func roomName(matching typed: String) async throws -> String? {
        guard case .success(let name) = Room.name(typed) else { return nil }
        return try await reader.roomNames().first { Room.key($0) == Room.key(name) }
    }

    public func rooms(selectedBy filter: EventFilter) async throws -> [String] {
        try await reader.rooms(selectedBy: filter)
    }

    public func page(_ filter: EventFilter) async throws -> [Event] { try await reader.events(filter) }
    public func lastEventID() async throws -> Int64 { try await reader.lastEventID() }

    public func eventID(room: String, fromEnd n: Int) async throws -> Int64? {
        try await reader.eventID(room: room, fromEnd: n)
    }

    public func search(_ words: String, in scope: SearchScope) async throws -> [SearchHit] {
        try await reader.search(words, in: scope)
    }

    public func searchIndexLag() async throws -> Int64 { 0 }
}

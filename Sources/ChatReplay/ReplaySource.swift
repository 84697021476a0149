import ChatModel
import ChatStore

/// Where every `chat-replay` command reads the record: a SQLite file (`EventReader`) or a
/// PostgreSQL database (`PostgresReplaySource`). The transcript writers, the players and the
/// follower never learn which.
public protocol ReplaySource {
    /// Every session, oldest first, with its counts.
    func sessions() async throws -> [Session]
    /// One session, nil when there is no such session.
    func session(_ id: Int64) async throws -> Session?
    /// The newest session's id, nil when there is none.
    func latestSessionID() async throws -> Int64?
    /// Counts per session and room (`RoomCount`), by session, then rooms by name, private last.
    func roomCounts() async throws -> [RoomCount]
    /// The stored name of the room `typed` names (without case, `#` optional), nil when none.
    func roomName(matching typed: String) async throws -> String?
    /// The rooms (not the private one) holding events `filter` selects, by name.
    func rooms(selectedBy filter: EventFilter) async throws -> [String]
    /// The events `filter` selects, oldest first, at most `filter.limit` of them: one page.
    func page(_ filter: EventFilter) async throws -> [Event]
    /// The id of the newest event, 0 when there is none.
    func lastEventID() async throws -> Int64
    /// The id of the `n`th last event of `room` (1: the last one), nil when it has fewer.
    func eventID(room: String, fromEnd n: Int) async throws -> Int64?
    /// The messages holding every word of `words`, newest first (docs/REPLAY.md, "search").
    func search(_ words: String, in scope: SearchScope) async throws -> [SearchHit]
    /// How many events the search index has not reached yet.
    func searchIndexLag() async throws -> Int64
}

extension EventReader: ReplaySource {
    public func roomCounts() throws(StoreError) -> [RoomCount] { try roomCounts(session: nil) }

    public func page(_ filter: EventFilter) throws -> [Event] { try events(filter) }
}

/// Runs an asynchronous read of a `ReplaySource`, turning its failure into one clear line.
public func sourceQuery<T>(_ body: () async throws -> T) async throws(ReplayError) -> T {
    do {
        return try await body()
    } catch {
        // `storeQuery` words every failure the same way; the read has already run.
        return try storeQuery { () throws -> T in throw error }
    }
}

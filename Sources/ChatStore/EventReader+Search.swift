import ChatModel

/// Full-text search over the index `SearchIndexer` keeps (schema version 5).
extension EventReader {
    /// The events whose text holds every word of `words` (diacritics and case folded), newest
    /// first, within `scope`. Whatever `words` holds it is a search, never FTS5 syntax
    /// (`SearchText.ftsQuery`); nothing to search for finds nothing. Events not yet indexed
    /// (`searchIndexLag`) are not found.
    public func search(_ words: String, in scope: SearchScope) throws(StoreError) -> [SearchHit] {
        guard let match = SearchText.ftsQuery(words), scope.limit > 0 else { return [] }
        if let rooms = scope.rooms, rooms.isEmpty, scope.privateMessages == .none { return [] }
        try requireSearchIndex()
        var conditions: [String] = []
        var texts: [String] = [match]
        var integers: [Int64] = []
        var places: [String] = []
        if let rooms = scope.rooms {
            if !rooms.isEmpty {
                places.append(
                    "(e.recipient IS NULL AND lower(r.name) IN (\(rooms.map { _ in "lower(?)" }.joined(separator: ", "))))"
                )
                texts += rooms
            }
        } else {
            places.append("e.recipient IS NULL")
        }
        switch scope.privateMessages {
        case .all: places.append("e.recipient IS NOT NULL")
        case .none: break
        case .of(let name):
            places.append("(e.recipient IS NOT NULL AND (e.recipient = ? OR e.user = ?))")
            texts += [name, name]
        }
        conditions.append("(" + places.joined(separator: " OR ") + ")")
        if let user = scope.user {
            conditions.append("e.user = ?")
            texts.append(user)
        }
        if let since = scope.sinceMillis {
            conditions.append("e.time_ms >= ?")
            integers.append(since)
        }
        if let until = scope.untilMillis {
            conditions.append("e.time_ms < ?")
            integers.append(until)
        }
        let sql = """
            SELECT e.id, e.kind, r.name, e.user, e.recipient, e.time_ms,
                snippet(event_search, 0, char(2), char(3), '…', 12)
            FROM event_search JOIN events e ON e.id = event_search.rowid JOIN rooms r ON r.id = e.room_id
            WHERE event_search MATCH ? AND \(conditions.joined(separator: " AND "))
            ORDER BY event_search.rowid DESC LIMIT \(min(scope.limit, SearchScope.maxLimit))
            """
        let stmt = try database.prepare(sql)
        var index: Int32 = 1
        for text in texts {
            stmt.bind(text, at: index)
            index += 1
        }
        for integer in integers {
            stmt.bind(integer, at: index)
            index += 1
        }
        var hits: [SearchHit] = []
        while try stmt.step() {
            let room = stmt.string(2)
            hits.append(
                SearchHit(
                    id: stmt.int64(0), kind: EventKind(rawValue: stmt.string(1)) ?? .message,
                    room: room.isEmpty ? nil : room, user: stmt.string(3), recipient: stmt.optionalString(4),
                    timeMillis: stmt.int64(5), snippet: stmt.string(6)))
        }
        stmt.reset()
        return hits
    }

    /// How many events the search index is behind: the newest event id minus its watermark. Cheap.
    public func searchIndexLag() throws(StoreError) -> Int64 {
        try requireSearchIndex()
        return try database.integer(
            "SELECT coalesce((SELECT max(id) FROM events), 0) - (SELECT indexed_through FROM search_state)")
    }

    /// An error that says what to do when the file predates search (a read-only tool on a file no
    /// new server has opened yet).
    private func requireSearchIndex() throws(StoreError) {
        let version = try database.integer("PRAGMA user_version")
        guard version < 5 else { return }
        throw StoreError(
            .notFound, path: database.path,
            message:
                "this database has no search index yet (schema version \(version)): start this chatroom's chat-server on it once to build one"
        )
    }
}

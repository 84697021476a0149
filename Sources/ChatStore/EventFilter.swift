import ChatModel

/// Which events a query returns. Empty fields do not filter.
public struct EventFilter: Sendable, Hashable {
    public var session: Int64?
    public var room: String?
    public var users: [String]
    public var kinds: Set<EventKind>
    /// Only events with an id above this one (incremental export, resume).
    public var afterID: Int64?
    /// Only events at or after this time (milliseconds since 1970, UTC).
    public var sinceMillis: Int64?
    /// Only events before this time.
    public var untilMillis: Int64?
    /// At most this many events.
    public var limit: Int?
    /// Private messages too (off by default: exports and replays leave them out).
    public var includePrivate: Bool

    public init(
        session: Int64? = nil, room: String? = nil, users: [String] = [], kinds: Set<EventKind> = [],
        afterID: Int64? = nil, sinceMillis: Int64? = nil, untilMillis: Int64? = nil, limit: Int? = nil,
        includePrivate: Bool = false
    ) {
        self.includePrivate = includePrivate
        self.session = session
        self.room = room
        self.users = users
        self.kinds = kinds
        self.afterID = afterID
        self.sinceMillis = sinceMillis
        self.untilMillis = untilMillis
        self.limit = limit
    }

    /// The WHERE clause and its parameters, in order.
    var sql: (clause: String, textParameters: [String], integerParameters: [Int64]) {
        var conditions: [String] = []
        var texts: [String] = []
        var integers: [Int64] = []
        if let session {
            conditions.append("e.session_id = ?")
            integers.append(session)
        }
        if let afterID {
            conditions.append("e.id > ?")
            integers.append(afterID)
        }
        if let sinceMillis {
            conditions.append("e.time_ms >= ?")
            integers.append(sinceMillis)
        }
        if let untilMillis {
            conditions.append("e.time_ms < ?")
            integers.append(untilMillis)
        }
        if let room {
            conditions.append("r.name = ?")
            texts.append(room)
        }
        if !includePrivate { conditions.append("e.recipient IS NULL") }
        if !users.isEmpty {
            conditions.append("e.user IN (" + users.map { _ in "?" }.joined(separator: ", ") + ")")
            texts += users
        }
        if !kinds.isEmpty {
            // Kinds are our own identifiers, safe to inline.
            let names = kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")
            conditions.append("e.kind IN (\(names))")
        }
        let clause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return (clause, texts, integers)
    }

    /// Binds the clause's parameters to `statement`, numbered from 1 in the order the clause names
    /// them: integers first, then texts.
    func bindParameters(to statement: Statement) {
        let (_, texts, integers) = sql
        var index: Int32 = 1
        for value in integers {
            statement.bind(value, at: index)
            index += 1
        }
        for value in texts {
            statement.bind(value, at: index)
            index += 1
        }
    }
}

import ChatModel

/// What a search looks through, and how many results it returns.
public struct SearchScope: Sendable, Equatable {
    /// The rooms searched; nil: every room.
    public var rooms: [String]?
    /// Private messages: `.all`, none, or those this name sent or received.
    public var privateMessages: PrivateMessages
    /// Only events by this user.
    public var user: String?
    /// Only events at or after this time, and before `untilMillis` (ms since 1970, UTC).
    public var sinceMillis: Int64?
    public var untilMillis: Int64?
    /// At most this many results (1 to `maxLimit`).
    public var limit: Int

    public enum PrivateMessages: Sendable, Equatable {
        case all
        case none
        case of(String)
    }

    public static let defaultLimit = 20
    public static let maxLimit = 100

    public init(
        rooms: [String]? = nil, privateMessages: PrivateMessages = .all, user: String? = nil,
        sinceMillis: Int64? = nil, untilMillis: Int64? = nil, limit: Int = SearchScope.defaultLimit
    ) {
        self.rooms = rooms
        self.privateMessages = privateMessages
        self.user = user
        self.sinceMillis = sinceMillis
        self.untilMillis = untilMillis
        self.limit = limit
    }

    /// A member's search: the rooms it is in, and its own private messages.
    public static func member(_ name: String, rooms: [String], limit: Int?) -> SearchScope {
        SearchScope(rooms: rooms, privateMessages: .of(name), limit: limit ?? defaultLimit)
    }
}

/// Turns what a person typed into an FTS5 query that cannot be anything but a search.
public enum SearchText {
    /// Words beyond this many are ignored (a bound on the cost of one query).
    public static let maxWords = 32

    /// Each whitespace-separated word becomes an FTS5 string (its `"` doubled), so no operator,
    /// column filter, prefix or `NEAR` of FTS5 syntax survives; the strings are joined by spaces,
    /// which FTS5 reads as AND. Nil when nothing is left after trimming.
    public static func ftsQuery(_ typed: String) -> String? {
        let words = typed.split(whereSeparator: { $0.isWhitespace }).prefix(maxWords)
        guard !words.isEmpty else { return nil }
        return words.map { "\"" + String($0).replacing("\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }
}

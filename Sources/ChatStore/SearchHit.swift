import ChatModel

/// One search result: an indexed event and a snippet of its text around the match.
public struct SearchHit: Sendable, Equatable {
    /// The marks around each matched part of `snippet` (control characters, which stored text
    /// never holds: `TextSanitizer` turns them into caret notation).
    public static let highlightStart: Character = "\u{2}"
    public static let highlightEnd: Character = "\u{3}"

    public var id: Int64
    public var kind: EventKind
    /// The room; nil for a private message.
    public var room: String?
    public var user: String
    /// Who a private message is for; nil otherwise.
    public var recipient: String?
    public var timeMillis: Int64
    /// Up to a dozen words of the text around the match, each match between `highlightStart` and
    /// `highlightEnd`; `…` where text was left out.
    public var snippet: String

    public init(
        id: Int64, kind: EventKind, room: String?, user: String, recipient: String?, timeMillis: Int64,
        snippet: String
    ) {
        self.id = id
        self.kind = kind
        self.room = room
        self.user = user
        self.recipient = recipient
        self.timeMillis = timeMillis
        self.snippet = snippet
    }

    /// The snippet with its highlights marked as `open` and `close` (a plain door's `[` and `]`).
    public func snippet(open: String, close: String) -> String {
        var result = ""
        for character in snippet {
            switch character {
            case Self.highlightStart: result += open
            case Self.highlightEnd: result += close
            default: result.append(character)
            }
        }
        return result
    }

    /// The result as one line for people, matches between `[` and `]`, time in UTC:
    /// `[2026-11-22 10:00:01] #main alice: the [cafe] opens`; a private message shows
    /// `(private) alice to bob:`, an action `* alice`.
    public var line: String {
        let place = room.map { Room.display($0) } ?? "(private)"
        let who: String
        if let recipient {
            who = "\(user) to \(recipient):"
        } else {
            who = kind == .action ? "* \(user)" : "\(user):"
        }
        return "[\(Timestamp.readable(timeMillis))] \(place) \(who) \(snippet(open: "[", close: "]"))"
    }
}

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

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

    /// The hit with `transform` applied to every text in it, the snippet's pieces between its
    /// highlights one by one, so the marks survive (a client cleaning what a server sent).
    public func mappingText(_ transform: (String) -> String) -> SearchHit {
        var pieces: [String] = []
        var piece = ""
        for character in snippet {
            if character == Self.highlightStart || character == Self.highlightEnd {
                pieces.append(transform(piece) + String(character))
                piece = ""
            } else {
                piece.append(character)
            }
        }
        var mapped = self
        mapped.snippet = pieces.joined() + transform(piece)
        mapped.room = room.map(transform)
        mapped.user = transform(user)
        mapped.recipient = recipient.map(transform)
        return mapped
    }
}

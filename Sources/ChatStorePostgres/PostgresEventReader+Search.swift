import ChatModel
import ChatStore
import PostgresNIO

/// Search: every word must occur in the text (`LIKE` on `lower` of both: case folded,
/// diacritics not), newest first, within the same `SearchScope` as SQLite's. The trigram index
/// (`PostgresSearchIndex`) finds the candidates; without it, search reads every message of the
/// scope (docs/SCALING.md).
extension PostgresEventReader {
    /// The messages, actions and notices within `scope` whose text holds every word of `words`,
    /// newest first, each with a snippet around the first match (`SearchHit`).
    public func search(_ words: String, in scope: SearchScope) async throws(StoreError) -> [SearchHit] {
        let terms = words.split(whereSeparator: { $0.isWhitespace }).prefix(SearchText.maxWords).map(String.init)
        guard !terms.isEmpty, scope.limit > 0 else { return [] }
        if let rooms = scope.rooms, rooms.isEmpty, scope.privateMessages == .none { return [] }
        var binds = PostgresBindings()
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var conditions = ["e.kind IN ('message', 'action', 'notice')"]
        for term in terms { conditions.append("lower(e.text) LIKE lower(\(bind(Self.likePattern(term))))") }
        var places: [String] = []
        if let rooms = scope.rooms {
            if !rooms.isEmpty {
                places.append(
                    "(e.recipient IS NULL AND lower(r.name) IN (SELECT lower(n) FROM unnest(\(bind(rooms))::text[]) n))"
                )
            }
        } else {
            places.append("e.recipient IS NULL")
        }
        switch scope.privateMessages {
        case .all: places.append("e.recipient IS NOT NULL")
        case .none: break
        case .of(let name):
            let name = bind(name)
            places.append("(e.recipient IS NOT NULL AND (e.recipient = \(name) OR e.\"user\" = \(name)))")
        }
        conditions.append("(" + places.joined(separator: " OR ") + ")")
        if let user = scope.user { conditions.append("e.\"user\" = \(bind(user))") }
        if let since = scope.sinceMillis { conditions.append("e.time_ms >= \(bind(since))") }
        if let until = scope.untilMillis { conditions.append("e.time_ms < \(bind(until))") }
        let sql = """
            \(PostgresRows.eventColumns) WHERE \(conditions.joined(separator: " AND "))
            ORDER BY e.id DESC LIMIT \(min(scope.limit, SearchScope.maxLimit))
            """
        let found = try await events("searching", PostgresQuery(unsafeSQL: sql, binds: binds))
        return found.map { event in
            SearchHit(
                id: event.id, kind: event.kind, room: event.isPrivate ? nil : event.room, user: event.user,
                recipient: event.recipient, timeMillis: event.timeMillis,
                snippet: SearchSnippet.make(event.text, terms: terms))
        }
    }
}

extension PostgresEventReader {
    /// `LIKE`'s pattern for text that holds `term` anywhere, its own `%`, `_` and `\\` taken as
    /// they are.
    static func likePattern(_ term: String) -> String {
        var escaped = ""
        for character in term {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }
}

/// A dozen words of a text around its first match, each word holding a term between
/// `SearchHit.highlightStart` and `highlightEnd`, `…` where words were left out: the shape of
/// SQLite's FTS5 `snippet`.
enum SearchSnippet {
    static let words = 12

    static func make(_ text: String, terms: [String]) -> String {
        let lowered = terms.map { $0.lowercased() }
        let all = text.split(whereSeparator: { $0.isWhitespace })
        func matches(_ word: Substring) -> Bool {
            let word = word.lowercased()
            return lowered.contains { word.contains($0) }
        }
        let first = all.firstIndex(where: matches) ?? 0
        let start = max(0, min(first - words / 3, all.count - words))
        let end = min(all.count, start + words)
        var shown = all[start..<end].map { word in
            matches(word)
                ? String(SearchHit.highlightStart) + word + String(SearchHit.highlightEnd) : String(word)
        }
        if start > 0 { shown.insert("…", at: 0) }
        if end < all.count { shown.append("…") }
        return shown.joined(separator: " ")
    }
}

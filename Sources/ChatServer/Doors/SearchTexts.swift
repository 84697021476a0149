import ChatCore
import ChatModel
import ChatStore

/// The plain door's words for search results; matches are shown between `[` and `]`.
enum SearchTexts {
    /// The lines of an answer: a header, one line per result (newest first), a footer.
    static func lines(_ results: SearchResults) -> [String] {
        let query = results.query.trimmingWhitespace
        guard !results.hits.isEmpty else { return ["--- no results for \(query) ---"] }
        let count = results.hits.count
        return ["--- search: \(count) \(count == 1 ? "result" : "results") for \(query), newest first (UTC) ---"]
            + results.hits.map(line) + ["--- end of search ---"]
    }

    /// `[2024-05-01 12:34:56] #dev alice: the [deploy] is done`; a private message shows
    /// `(private) alice to bob:`, an action `* alice`.
    static func line(_ hit: SearchHit) -> String {
        let place = hit.room.map { Room.display($0) } ?? "(private)"
        let who: String
        if let recipient = hit.recipient {
            who = "\(hit.user) to \(recipient):"
        } else {
            who = hit.kind == .action ? "* \(hit.user)" : "\(hit.user):"
        }
        return "[\(Timestamp.readable(hit.timeMillis))] \(place) \(who) \(hit.snippet(open: "[", close: "]"))"
    }
}

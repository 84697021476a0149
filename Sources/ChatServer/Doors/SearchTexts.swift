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
            + results.hits.map(\.line) + ["--- end of search ---"]
    }
}

import ChatModel

extension PlainText {
    /// Search results as lines for people: a header, one line per result (newest first, matches
    /// between `[` and `]`, times in UTC), a footer; one line when nothing matched.
    public static func searchLines(query: String, hits: [SearchHit]) -> [String] {
        let query = query.trimmingWhitespace
        guard !hits.isEmpty else { return ["--- no results for \(query) ---"] }
        let count = hits.count
        return ["--- search: \(count) \(count == 1 ? "result" : "results") for \(query), newest first (UTC) ---"]
            + hits.map(\.line) + ["--- end of search ---"]
    }
}

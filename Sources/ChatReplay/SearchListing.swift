import ChatModel
import ChatProtocol
import ChatStore

/// `chat-replay search` results as text or JSON.
public enum SearchListing {
    /// One line per result (`SearchHit.line`), newest first.
    public static func text(_ hits: [SearchHit]) -> String {
        hits.map { $0.line + "\n" }.joined()
    }

    /// The server's `search_results` line and a newline: `{"type":"search_results","query":"…",
    /// "results":[{"id":…,"time":"…","kind":"message","room":"main","user":"alice",
    /// "snippet":"… \u0002cafe\u0003 …"}]}` (a private message has `recipient` instead of `room`).
    public static func json(query: String, _ hits: [SearchHit]) -> String {
        ServerMessage.searchResults(query: query, hits: hits).json + "\n"
    }
}

import ChatModel
import ChatProtocol
import ChatStore

/// `chat-replay search` results as text or JSON.
public enum SearchListing {
    /// One line per result (`SearchHit.line`), newest first.
    public static func text(_ hits: [SearchHit]) -> String {
        hits.map { $0.line + "\n" }.joined()
    }

    /// `{"query":"…","results":[{"id":…,"time":"…","kind":"message","room":"main","user":"alice",
    /// "snippet":"… \u0002cafe\u0003 …"}]}` and a newline: the fields of the server's
    /// `search_results` (a private message has `recipient` instead of `room`).
    public static func json(query: String, _ hits: [SearchHit]) -> String {
        var object = JSONObject()
        object.add("query", query)
        object.add("results", objects: hits) { object, hit in
            object.add("id", hit.id)
            object.add("time", Timestamp.iso8601(hit.timeMillis))
            object.add("kind", hit.kind.rawValue)
            object.add("room", hit.room)
            object.add("user", hit.user)
            object.add("recipient", hit.recipient)
            object.add("snippet", hit.snippet)
        }
        return object.string + "\n"
    }
}

import ChatModel
import ChatProtocol
import ChatStore

/// `chat-replay search` results as text or JSON.
public enum SearchListing {
    /// One line per result, newest first: `[2026-11-22 10:00:01] #main alice: the [cafe] opens`
    /// (UTC; a private message shows `(private) alice to bob:`; matches between `[` and `]`).
    public static func text(_ hits: [SearchHit]) -> String {
        hits.map { hit in
            let place = hit.room.map { Room.display($0) } ?? "(private)"
            let who: String
            if let recipient = hit.recipient {
                who = "\(hit.user) to \(recipient):"
            } else {
                who = hit.kind == .action ? "* \(hit.user)" : "\(hit.user):"
            }
            return "[\(Timestamp.readable(hit.timeMillis))] \(place) \(who) \(hit.snippet(open: "[", close: "]"))\n"
        }.joined()
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

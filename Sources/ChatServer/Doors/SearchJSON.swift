import ChatCore
import ChatModel
import ChatProtocol
import ChatStore

/// The JSON door's answer to a search: one `search_results` line, not an event, so a client's
/// resume point never moves (docs/PROTOCOL.md).
enum SearchJSON {
    /// `{"type":"search_results","query":"…","results":[{"id":…,"time":"…","kind":"message",
    /// "room":"main","user":"alice","snippet":"… \u0002cafe\u0003 …"}]}`: a private message has
    /// `recipient` instead of `room`; each match in `snippet` is between U+0002 and U+0003.
    static func line(_ results: SearchResults) -> String {
        var object = JSONObject()
        object.add("type", "search_results")
        object.add("query", results.query)
        object.add("results", objects: results.hits) { object, hit in
            object.add("id", hit.id)
            object.add("time", Timestamp.iso8601(hit.timeMillis))
            object.add("kind", hit.kind.rawValue)
            object.add("room", hit.room)
            object.add("user", hit.user)
            object.add("recipient", hit.recipient)
            object.add("snippet", hit.snippet)
        }
        return object.string
    }
}

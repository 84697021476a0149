import ChatModel
import ChatStore

/// What a search found, for the member who asked.
public struct SearchResults: Sendable, Equatable {
    /// The words as asked.
    public var query: String
    /// Newest first.
    public var hits: [SearchHit]

    public init(query: String, hits: [SearchHit]) {
        self.query = query
        self.hits = hits
    }
}

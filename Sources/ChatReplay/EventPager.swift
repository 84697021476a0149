import ChatModel
import ChatStore

/// Reads the events a filter selects a page at a time, so a long session never sits in memory and
/// the reader holds no transaction between pages (a running server keeps checkpointing). It reads
/// any `ReplaySource`: a SQLite file or a PostgreSQL database.
public struct EventPager {
    public let source: any ReplaySource
    public var filter: EventFilter
    public let pageSize: Int
    private var page: [Event] = []
    private var index = 0
    private var exhausted = false

    public init(source: any ReplaySource, filter: EventFilter, pageSize: Int = 512) {
        self.source = source
        self.filter = filter
        self.pageSize = pageSize
    }

    /// The last id handed out (or the filter's starting point).
    public var lastID: Int64? { filter.afterID }

    /// The next event, or nil when there is none yet.
    public mutating func next() async throws(ReplayError) -> Event? {
        if index == page.count {
            guard !exhausted else { return nil }
            var query = filter
            query.limit = pageSize
            let source = source
            page = try await sourceQuery { [query] in try await source.page(query) }
            index = 0
            exhausted = page.count < pageSize
            guard !page.isEmpty else { return nil }
        }
        let event = page[index]
        index += 1
        filter.afterID = event.id
        return event
    }

    /// Allows `next` to look again for events written since it last returned nil (`--follow`).
    public mutating func rewind() {
        exhausted = false
        page = []
        index = 0
    }
}

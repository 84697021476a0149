import ChatModel
import ChatStore

/// Streams the events a filter selects through a transcript writer, in id order and constant memory.
public enum Exporter {
    /// Looks a session up by id.
    public typealias SessionSource = (Int64) async throws -> Session?

    /// Events read per query: a page never holds more, and no read holds a transaction between pages.
    static let pageSize = 512

    /// Writes the selected events and returns what was written; `lastID` falls back to the filter's
    /// `afterID` when nothing was, so an incremental export can always continue from it.
    /// Each session's start is marked before its first event and its end after its last, with the
    /// session as `sessions` (by default the source) describes it. When the filter selects events
    /// of more than one room, the header says so (`showsRooms`) and each event names its room.
    /// `progress`, when given, shows the count on standard error as it goes. Events are read a
    /// page at a time (at most `filter.limit` in all), so a long record never sits in memory.
    public static func export(
        from source: any ReplaySource, filter: EventFilter, header: TranscriptHeader,
        to writer: inout any TranscriptWriter, progress: ProgressLine? = nil, sessions: SessionSource? = nil
    ) async throws(ReplayError) -> TranscriptSummary {
        let lookup: SessionSource = sessions ?? { try await source.session($0) }
        var header = header
        if filter.room == nil {
            header.showsRooms = try await sourceQuery { try await source.rooms(selectedBy: filter) }.count > 1
        }
        try writer.begin(header)
        var count = 0
        var lastID = filter.afterID
        var current: Session?
        var page = filter
        var remaining = filter.limit.map { max(0, $0) } ?? Int.max
        while remaining > 0 {
            page.limit = min(remaining, pageSize)
            let events = try await sourceQuery { [page] in try await source.page(page) }
            for event in events {
                if current?.id != event.session {
                    if let current { try writer.mark(SessionMark(.end, of: current)) }
                    current = try await sourceQuery { try await lookup(event.session) }
                    if let current { try writer.mark(SessionMark(.start, of: current)) }
                }
                try writer.write(event)
                count += 1
                lastID = event.id
                progress?.update(count: count, lastID: event.id)
            }
            guard let last = events.last, events.count == page.limit else { break }
            page.afterID = last.id
            remaining -= events.count
        }
        if let current { try writer.mark(SessionMark(.end, of: current)) }
        progress?.finish()
        let summary = TranscriptSummary(count: count, lastID: lastID)
        try writer.end(summary)
        return summary
    }
}

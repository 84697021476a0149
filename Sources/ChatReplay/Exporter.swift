import ChatModel
import ChatStore

/// Streams the events a filter selects through a transcript writer, in id order and constant memory.
public enum Exporter {
    /// Looks a session up by id.
    public typealias SessionSource = (Int64) throws -> Session?

    /// Writes the selected events and returns what was written; `lastID` falls back to the filter's
    /// `afterID` when nothing was, so an incremental export can always continue from it.
    /// Each session's start is marked before its first event and its end after its last, with the
    /// session as `sessions` (by default the reader) describes it. When the filter selects events
    /// of more than one room, the header says so (`showsRooms`) and each event names its room.
    /// `progress`, when given, shows
    /// the count on standard error as it goes.
    public static func export(
        from reader: EventReader, filter: EventFilter, header: TranscriptHeader, to writer: inout any TranscriptWriter,
        progress: ProgressLine? = nil, sessions: SessionSource? = nil
    ) throws(ReplayError) -> TranscriptSummary {
        let lookup: SessionSource = sessions ?? { try reader.session($0) }
        var header = header
        if filter.room == nil { header.showsRooms = try storeQuery { try reader.rooms(selectedBy: filter) }.count > 1 }
        try writer.begin(header)
        var count = 0
        var lastID = filter.afterID
        var current: Session?
        try storeQuery {
            try reader.forEach(filter) { event in
                if current?.id != event.session {
                    if let current { try writer.mark(SessionMark(.end, of: current)) }
                    current = try lookup(event.session)
                    if let current { try writer.mark(SessionMark(.start, of: current)) }
                }
                try writer.write(event)
                count += 1
                lastID = event.id
                progress?.update(count: count, lastID: event.id)
            }
        }
        if let current { try writer.mark(SessionMark(.end, of: current)) }
        progress?.finish()
        let summary = TranscriptSummary(count: count, lastID: lastID)
        try writer.end(summary)
        return summary
    }
}

import ChatModel
import ChatStore

/// Streams the events a filter selects through a transcript writer, in id order and constant memory.
public enum Exporter {
    /// Writes the selected events and returns what was written; `lastID` falls back to the filter's
    /// `afterID` when nothing was, so an incremental export can always continue from it.
    /// `progress`, when given, shows the count on standard error as it goes.
    public static func export(
        from reader: EventReader, filter: EventFilter, header: TranscriptHeader, to writer: inout any TranscriptWriter,
        progress: ProgressLine? = nil
    ) throws(ReplayError) -> TranscriptSummary {
        try writer.begin(header)
        var count = 0
        var lastID = filter.afterID
        try storeQuery {
            try reader.forEach(filter) { event in
                try writer.write(event)
                count += 1
                lastID = event.id
                progress?.update(count: count, lastID: event.id)
            }
        }
        progress?.finish()
        let summary = TranscriptSummary(count: count, lastID: lastID)
        try writer.end(summary)
        return summary
    }
}

import ChatModel
import ChatStore

/// What a transcript says about itself before its first event.
public struct TranscriptHeader: Sendable, Equatable {
    /// `Session 3`, `All sessions`: what was exported.
    public var title: String
    /// Times in local time instead of UTC (text, markdown and html; the machine formats stay UTC).
    public var local: Bool
    /// Every session was asked for (`--all`): text and Markdown then mark where each session
    /// starts and ends too (HTML always does).
    public var spansSessions: Bool
    /// Events of more than one room are exported: each event names its room (`#dev`). The
    /// exporter sets it from what the filter selects.
    public var showsRooms: Bool

    public init(title: String, local: Bool = false, spansSessions: Bool = false, showsRooms: Bool = false) {
        self.title = title
        self.local = local
        self.spansSessions = spansSessions
        self.showsRooms = showsRooms
    }
}

/// What a transcript says after its last event.
public struct TranscriptSummary: Sendable, Equatable {
    /// Events written.
    public var count: Int
    /// The highest id written, or the `--after-id` it started from when nothing was written: the next
    /// incremental export continues after it.
    public var lastID: Int64?

    public init(count: Int, lastID: Int64?) {
        self.count = count
        self.lastID = lastID
    }

    /// `15 events, last id 15`, `1 event`: the closing words of Markdown and HTML.
    var words: String {
        "\(count) \(count == 1 ? "event" : "events")" + (lastID.map { ", last id \($0)" } ?? "")
    }
}

/// One transcript format. Events stream through `write` one at a time, in id order; a writer keeps
/// at most a little state (the current day), so memory stays constant however long the transcript.
public protocol TranscriptWriter {
    mutating func begin(_ header: TranscriptHeader) throws(ReplayError)
    mutating func write(_ event: Event) throws(ReplayError)
    mutating func end(_ summary: TranscriptSummary) throws(ReplayError)
    /// A session starts before its first event written, and ends after its last one. Formats
    /// that do not mark sessions ignore it.
    mutating func mark(_ mark: SessionMark) throws(ReplayError)
}

extension TranscriptWriter {
    public mutating func mark(_ mark: SessionMark) throws(ReplayError) {}
}

import ChatModel
import ChatProtocol
import ChatStore

/// Log lines: `[2026-11-22 10:01:02] alice: hi`, `[...] * alice waves`, `[...] bob joined the chat`,
/// `[...] bob left the chat (connection lost)`: `PlainText.historyLine`, whose text is neutralised,
/// so a transcript printed on a terminal can never move its cursor or change its colours. An export
/// across sessions marks them: `[2026-11-22 10:00:00] --- session 1 started ---`; one of several
/// rooms names each event's room as a plain member in several rooms sees it,
/// `[2026-11-22 10:01:02] [#dev] alice: hi` (a private message has none: its sentence says
/// `bob to carol (private): psst`).
public struct TextTranscript: TranscriptWriter {
    let output: any TranscriptOutput
    private var local = false
    private var marksSessions = false
    private var showsRooms = false

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {
        local = header.local
        marksSessions = header.spansSessions
        showsRooms = header.showsRooms
    }

    public mutating func mark(_ mark: SessionMark) throws(ReplayError) {
        guard marksSessions else { return }
        let time = mark.millis.map { "[\(Timestamp.readable($0, local: local))] " } ?? ""
        try output.write("\(time)--- \(mark.words) ---\n")
    }

    public mutating func write(_ event: Event) throws(ReplayError) {
        try output.write(Self.line(event, local: local, room: showsRooms) + "\n")
    }

    public mutating func end(_ summary: TranscriptSummary) throws(ReplayError) {
        try output.flush()
    }

    /// One event as one line, without the newline; with `room`, its room after the time.
    public static func line(_ event: Event, local: Bool = false, room: Bool = false) -> String {
        guard room, !event.isPrivate else { return PlainText.historyLine(event, local: local) }
        let room = TextSanitizer.clean(Room.display(event.room))
        return "[\(Timestamp.readable(event.timeMillis, local: local))] [\(room)] \(PlainText.line(event))"
    }
}

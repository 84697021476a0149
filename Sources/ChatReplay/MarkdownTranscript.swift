import ChatModel
import ChatProtocol
import ChatStore

/// A Markdown document: a title, a `##` heading per day, and one list item per event:
///
///     - `10:01:02` **alice**: hi
///     - `10:01:04` \* **alice** waves
///     - `10:01:05` _bob joined the chat_
///
/// User text is sanitised and every character Markdown would interpret inline is backslash-escaped,
/// so no message can become a link, an image, emphasis or raw HTML. An export across sessions marks
/// them: `- `10:00:00` ── **session 1 started** ──`; one of several rooms names each event's room
/// (`- `10:01:02` \#dev **alice**: hi`); a private message says so in its sentence.
public struct MarkdownTranscript: TranscriptWriter {
    let output: any TranscriptOutput
    private var days = DayHeadings()
    private var marksSessions = false
    private var showsRooms = false

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {
        days.local = header.local
        marksSessions = header.spansSessions
        showsRooms = header.showsRooms
        try output.write("# \(Self.escape(header.title))\n\n\(days.note)\n")
    }

    public mutating func write(_ event: Event) throws(ReplayError) {
        try heading(event.timeMillis)
        try output.write(Self.item(event, local: days.local, room: showsRooms) + "\n")
    }

    public mutating func mark(_ mark: SessionMark) throws(ReplayError) {
        guard marksSessions else { return }
        if let millis = mark.millis { try heading(millis) }
        let time = mark.millis.map { "`\(Timestamp.clock($0, local: days.local))` " } ?? ""
        try output.write("- \(time)── **\(mark.words)** ──\n")
    }

    private mutating func heading(_ millis: Int64) throws(ReplayError) {
        if let today = days.newDay(millis) { try output.write("\n## \(today)\n\n") }
    }

    /// One event as one list item, without the newline: the `EventWords` sentence, the name in bold
    /// in messages and actions, joins and leaves in italics; with `room`, the event's room after the
    /// time (none for a private message).
    public static func item(_ event: Event, local: Bool = false, room: Bool = false) -> String {
        let sentence = EventWords(event).rendered { piece in
            if case .name(let name) = piece, !event.kind.isPresence { return "**\(escape(name))**" }
            return escape(piece.string)
        }
        var time = "`\(Timestamp.clock(event.timeMillis, local: local))`"
        if room && !event.isPrivate { time += " " + escape(Room.display(event.room)) }
        return "- \(time) " + (event.kind.isPresence ? "_\(sentence)_" : sentence)
    }

    public mutating func end(_ summary: TranscriptSummary) throws(ReplayError) {
        try output.write("\n_\(summary.words)._\n")
        try output.flush()
    }

    /// Sanitised text with Markdown's inline syntax characters backslash-escaped.
    public static func escape(_ raw: String) -> String {
        var result = ""
        for character in TextSanitizer.clean(raw) {
            if "\\`*_[]<>&|~#".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}

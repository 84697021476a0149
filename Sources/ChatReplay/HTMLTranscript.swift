import ChatModel
import ChatProtocol
import ChatStore

/// One self-contained HTML page: inline style, no scripts, no external assets (a Content Security
/// Policy forbids loading any), a heading per day, every text escaped, light or dark as the reader's
/// system prefers. Names are isolated with `<bdi>` in the client's name colours and texts carry
/// `dir="auto"`, so right-to-left script displays correctly and cannot reorder the text around it.
/// `http(s)://` links in texts are the only thing made clickable; where each session starts and
/// ends, and whether cleanly, is marked. One of several rooms names each event's room
/// (`<span class="room">#dev</span>`); a private message's paragraph has the class `private`.
public struct HTMLTranscript: TranscriptWriter {
    let output: any TranscriptOutput
    private var days = DayHeadings()
    private var showsRooms = false

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {
        days.local = header.local
        showsRooms = header.showsRooms
        let title = Self.escape(header.title)
        try output.write(
            """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) – chat transcript</title>
            <style>
            \(HTMLStyle.sheet)
            </style>
            </head>
            <body>
            <h1>\(title)</h1>
            <p class="note">\(days.note)</p>

            """)
    }

    public mutating func write(_ event: Event) throws(ReplayError) {
        try heading(event.timeMillis)
        try output.write(Self.paragraph(event, local: days.local, room: showsRooms) + "\n")
    }

    public mutating func mark(_ mark: SessionMark) throws(ReplayError) {
        if let millis = mark.millis { try heading(millis) }
        try output.write(Self.paragraph(mark, local: days.local) + "\n")
    }

    private mutating func heading(_ millis: Int64) throws(ReplayError) {
        let first = days.day == nil
        if let today = days.newDay(millis) {
            try output.write((first ? "" : "</section>\n") + "<section>\n<h2>\(today)</h2>\n")
        }
    }

    /// A session mark as one paragraph, without the newline: `session 1 started`, with its time
    /// when known.
    public static func paragraph(_ mark: SessionMark, local: Bool = false) -> String {
        let time = mark.millis.map { timeElement($0, local: local) + " " } ?? ""
        let id = "s\(mark.session.id)-\(mark.edge == .start ? "start" : "end")"
        return
            "<p class=\"session \(mark.tag)\" id=\"\(id)\">\(time)\(escape(mark.words.prefix(1).uppercased() + mark.words.dropFirst()))</p>"
    }

    private static func timeElement(_ millis: Int64, local: Bool) -> String {
        "<time datetime=\"\(Timestamp.iso8601(millis))\">\(Timestamp.clock(millis, local: local))</time>"
    }

    /// A person's text, escaped, with its `http(s)://` links clickable.
    static func linked(_ text: String) -> String {
        WebLinks.split(TextSanitizer.clean(text)).map { segment in
            switch segment {
            case .text(let text): escape(text)
            case .link(let url):
                "<a href=\"\(escape(url))\" rel=\"noopener noreferrer\">\(escape(url))</a>"
            }
        }.joined()
    }

    /// One event as one paragraph, without the newline: the `EventWords` sentence with the name in
    /// `<bdi>` and the person's text in a `dir="auto"` span; with `room`, the event's room after the
    /// time. A private message's class is `message private`.
    public static func paragraph(_ event: Event, local: Bool = false, room: Bool = false) -> String {
        let sentence = EventWords(event).rendered { piece in
            switch piece {
            case .name(let name): "<bdi class=\"user \(HTMLNameColors.className(for: name))\">\(escape(name))</bdi>"
            case .text(let text): "<span class=\"text\" dir=\"auto\">\(linked(text))</span>"
            case .words(let words): escape(words)
            }
        }
        var time = timeElement(event.timeMillis, local: local)
        if room && !event.isPrivate { time += " <span class=\"room\">\(escape(Room.display(event.room)))</span>" }
        let kind = event.kind.rawValue + (event.isPrivate ? " private" : "")
        return "<p class=\"\(kind)\" id=\"e\(event.id)\">\(time) \(sentence)</p>"
    }

    public mutating func end(_ summary: TranscriptSummary) throws(ReplayError) {
        let section = days.day == nil ? "" : "</section>\n"
        try output.write(section + "<footer>\(summary.words).</footer>\n</body>\n</html>\n")
        try output.flush()
    }

    /// Sanitised text with `& < > " '` as character references.
    public static func escape(_ raw: String) -> String {
        var result = ""
        for character in TextSanitizer.clean(raw) {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}

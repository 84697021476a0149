import ChatModel
import ChatProtocol
import ChatStore

/// One self-contained HTML page: inline style, no scripts, no external assets (a Content Security
/// Policy forbids loading any), a heading per day, every text escaped. Names are isolated with
/// `<bdi>` and texts carry `dir="auto"`, so right-to-left script displays correctly and cannot
/// reorder the text around it.
public struct HTMLTranscript: TranscriptWriter {
    let output: any TranscriptOutput
    private var days = DayHeadings()

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {
        days.local = header.local
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
            body { font: 15px/1.5 system-ui, sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; color: #222; }
            h1 { font-size: 1.4em; } h2 { font-size: 1em; color: #555; border-bottom: 1px solid #ddd; margin-top: 1.5em; }
            p { margin: 0.15em 0; } time { color: #888; font-family: ui-monospace, monospace; font-size: 0.9em; }
            .user { font-weight: 600; } .join, .leave, .action { color: #666; font-style: italic; }
            footer { margin-top: 2em; color: #888; font-size: 0.9em; }
            </style>
            </head>
            <body>
            <h1>\(title)</h1>
            <p class="note">\(days.note)</p>

            """)
    }

    public mutating func write(_ event: Event) throws(ReplayError) {
        let first = days.day == nil
        if let today = days.newDay(event.timeMillis) {
            try output.write((first ? "" : "</section>\n") + "<section>\n<h2>\(today)</h2>\n")
        }
        try output.write(Self.paragraph(event, local: days.local) + "\n")
    }

    /// One event as one paragraph, without the newline: the `EventWords` sentence with the name in
    /// `<bdi>` and the person's text in a `dir="auto"` span.
    public static func paragraph(_ event: Event, local: Bool = false) -> String {
        let iso = Timestamp.iso8601(event.timeMillis)
        let time = "<time datetime=\"\(iso)\">\(Timestamp.clock(event.timeMillis, local: local))</time>"
        let sentence = EventWords(event).rendered { piece in
            switch piece {
            case .name(let name): "<bdi class=\"user\">\(escape(name))</bdi>"
            case .text(let text): "<span class=\"text\" dir=\"auto\">\(escape(text))</span>"
            case .words(let words): escape(words)
            }
        }
        return "<p class=\"\(event.kind.rawValue)\" id=\"e\(event.id)\">\(time) \(sentence)</p>"
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

import ChatModel
import ChatProtocol
import ChatStore

/// One self-contained HTML page: inline style, no scripts, no external assets (a Content Security
/// Policy forbids loading any), a heading per day, every text escaped. Names are isolated with
/// `<bdi>` and texts carry `dir="auto"`, so right-to-left script displays correctly and cannot
/// reorder the text around it.
public struct HTMLTranscript: TranscriptWriter {
    let output: any TranscriptOutput
    private var local = false
    private var day: String?

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {
        local = header.local
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
            <p class="note">Times in \(local ? "local time" : "UTC").</p>

            """)
    }

    public mutating func write(_ event: Event) throws(ReplayError) {
        let today = Timestamp.day(event.timeMillis, local: local)
        if today != day {
            try output.write((day == nil ? "" : "</section>\n") + "<section>\n<h2>\(today)</h2>\n")
            day = today
        }
        let iso = Timestamp.iso8601(event.timeMillis)
        let time = "<time datetime=\"\(iso)\">\(Timestamp.clock(event.timeMillis, local: local))</time>"
        let user = "<bdi class=\"user\">\(Self.escape(event.user))</bdi>"
        let text = "<span class=\"text\" dir=\"auto\">\(Self.escape(event.text))</span>"
        let body: String
        switch event.kind {
        case .message: body = "\(user): \(text)"
        case .action: body = "* \(user) \(text)"
        case .join: body = "\(user) joined"
        case .leave: body = "\(user) left\(PlainText.reasonSuffix(event))"
        }
        try output.write("<p class=\"\(event.kind.rawValue)\" id=\"e\(event.id)\">\(time) \(body)</p>\n")
    }

    public mutating func end(_ summary: TranscriptSummary) throws(ReplayError) {
        let noun = summary.count == 1 ? "event" : "events"
        let last = summary.lastID.map { ", last id \($0)" } ?? ""
        try output.write(
            (day == nil ? "" : "</section>\n") + "<footer>\(summary.count) \(noun)\(last).</footer>\n</body>\n</html>\n"
        )
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

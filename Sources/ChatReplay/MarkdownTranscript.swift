import ChatModel
import ChatProtocol
import ChatStore

/// A Markdown document: a title, a `##` heading per day, and one list item per event:
///
///     - `10:01:02` **alice**: hi
///     - `10:01:04` \* **alice** waves
///     - `10:01:05` _bob joined_
///
/// User text is sanitised and every character Markdown would interpret inline is backslash-escaped,
/// so no message can become a link, an image, emphasis or raw HTML.
public struct MarkdownTranscript: TranscriptWriter {
    let output: any TranscriptOutput
    private var local = false
    private var day: String?

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {
        local = header.local
        try output.write("# \(Self.escape(header.title))\n\nTimes in \(local ? "local time" : "UTC").\n")
    }

    public mutating func write(_ event: Event) throws(ReplayError) {
        let today = Timestamp.day(event.timeMillis, local: local)
        if today != day {
            day = today
            try output.write("\n## \(today)\n\n")
        }
        let time = "`\(Timestamp.clock(event.timeMillis, local: local))`"
        let user = Self.escape(event.user)
        let text = Self.escape(event.text)
        let body: String
        switch event.kind {
        case .message: body = "**\(user)**: \(text)"
        case .action: body = "\\* **\(user)** \(text)"
        case .join: body = "_\(user) joined_"
        case .leave: body = "_\(user) left\(PlainText.reasonSuffix(event))_"
        }
        try output.write("- \(time) \(body)\n")
    }

    public mutating func end(_ summary: TranscriptSummary) throws(ReplayError) {
        let noun = summary.count == 1 ? "event" : "events"
        let last = summary.lastID.map { ", last id \($0)" } ?? ""
        try output.write("\n_\(summary.count) \(noun)\(last)._\n")
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

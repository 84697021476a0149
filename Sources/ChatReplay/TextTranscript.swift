import ChatModel
import ChatProtocol
import ChatStore

/// Log lines: `[2026-11-22 10:01:02] alice: hi`, `[...] * alice waves`, `[...] * bob joined`,
/// `[...] * bob left (connection lost)`. User text is passed through `TextSanitizer`, so a
/// transcript printed on a terminal can never move its cursor or change its colours.
public struct TextTranscript: TranscriptWriter {
    let output: any TranscriptOutput
    private var local = false

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {
        local = header.local
    }

    public mutating func write(_ event: Event) throws(ReplayError) {
        try output.write(Self.line(event, local: local) + "\n")
    }

    public mutating func end(_ summary: TranscriptSummary) throws(ReplayError) {
        try output.flush()
    }

    /// One event as one line, without the newline.
    public static func line(_ event: Event, local: Bool = false) -> String {
        "[\(Timestamp.readable(event.timeMillis, local: local))] \(body(event))"
    }

    /// The line without its time.
    public static func body(_ event: Event) -> String {
        let user = TextSanitizer.clean(event.user)
        let text = TextSanitizer.clean(event.text)
        switch event.kind {
        case .message: return "\(user): \(text)"
        case .action: return "* \(user) \(text)"
        case .join: return "* \(user) joined"
        case .leave:
            return "* \(user) left\(PlainText.reasonSuffix(event))"
        }
    }
}

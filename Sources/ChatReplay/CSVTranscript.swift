import ChatModel
import ChatProtocol
import ChatStore

/// RFC 4180 CSV: a header row, CRLF line ends, a cell quoted when it holds a comma, quote, CR or
/// LF, quotes doubled. A text cell that a spreadsheet would run as a formula (starting with `=`, `+`,
/// `-`, `@`, tab or CR) gets a leading `'`, and so does one that already starts with `'`, so the
/// neutralising is reversible: drop one leading `'` to get the text back (`CSVTranscript.original`).
///
/// Columns: `id,time,session,room,kind,user,text,reason,recipient`; `time` is ISO 8601 UTC with
/// milliseconds; a private message has an empty `room` and its `recipient`.
public struct CSVTranscript: TranscriptWriter {
    let output: any TranscriptOutput

    /// The header row's names.
    public static let columns = ["id", "time", "session", "room", "kind", "user", "text", "reason", "recipient"]

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {
        try output.write(Self.columns.joined(separator: ",") + "\r\n")
    }

    public mutating func write(_ event: Event) throws(ReplayError) {
        let cells = [
            String(event.id), Timestamp.iso8601(event.timeMillis), String(event.session),
            Self.cell(event.room), event.kind.rawValue, Self.cell(event.user), Self.cell(event.text),
            event.reason?.rawValue ?? "", event.recipient.map(Self.cell) ?? "",
        ]
        try output.write(cells.joined(separator: ",") + "\r\n")
    }

    public mutating func end(_ summary: TranscriptSummary) throws(ReplayError) {
        try output.flush()
    }

    /// A text cell: neutralised, then quoted when needed.
    public static func cell(_ text: String) -> String {
        quote(neutralise(text))
    }

    /// Prefixes `'` to text a spreadsheet would treat as a formula, or that starts with `'`.
    public static func neutralise(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r'".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    /// The text `neutralise` was given.
    public static func original(_ cell: String) -> String {
        guard cell.hasPrefix("'"), let second = cell.unicodeScalars.dropFirst().first,
            "=+-@\t\r'".unicodeScalars.contains(second)
        else { return cell }
        return String(cell.dropFirst())
    }

    /// Quotes a cell that holds a comma, quote, CR or LF.
    public static func quote(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The export formats.
public enum TranscriptFormat: String, CaseIterable, Sendable {
    case text, markdown, json, ndjson, csv, html

    /// A writer of this format onto `output`.
    public func writer(to output: any TranscriptOutput) -> any TranscriptWriter {
        switch self {
        case .text: TextTranscript(output: output)
        case .markdown: MarkdownTranscript(output: output)
        case .json: JSONTranscript(output: output)
        case .ndjson: NDJSONTranscript(output: output)
        case .csv: CSVTranscript(output: output)
        case .html: HTMLTranscript(output: output)
        }
    }

    /// The format a file name suggests: `.md`, `.json`, `.ndjson`/`.jsonl`, `.csv`, `.html`/`.htm`, `.txt`/`.log`.
    public static func inferred(fromPath path: String) -> TranscriptFormat? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "txt", "log", "text": return .text
        case "md", "markdown": return .markdown
        case "json": return .json
        case "ndjson", "jsonl": return .ndjson
        case "csv": return .csv
        case "html", "htm": return .html
        default: return nil
        }
    }
}

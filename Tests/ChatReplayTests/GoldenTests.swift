import ChatModel
import ChatProtocol
import ChatReplay
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// Every format, rendered from the awkward fixture, against a golden file. Set
/// `UPDATE_GOLDEN=1` to rewrite the files in the source tree (then read the diff).
@Suite struct GoldenTests {
    static func render(_ format: TranscriptFormat) async throws -> (text: String, events: [Event]) {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let events = try await record(Fixture.events, at: directory.file("chat.sqlite"))
        let reader = try EventReader(path: directory.file("chat.sqlite"))
        let output = StringOutput()
        var writer = format.writer(to: output)
        let summary = try await Exporter.export(
            from: reader, filter: EventFilter(session: 1), header: TranscriptHeader(title: "Session 1"), to: &writer,
            sessions: { _ in Fixture.session })
        #expect(summary == TranscriptSummary(count: events.count, lastID: events.last?.id))
        return (output.text, events)
    }

    static func golden(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Golden/\(name)", withExtension: nil) else {
            throw WaitFailure(description: "no golden file \(name)")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func check(_ format: TranscriptFormat, file: String) async throws -> (text: String, events: [Event]) {
        let rendered = try await render(format)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] != nil {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Golden/\(file)")
            try rendered.text.write(to: source, atomically: true, encoding: .utf8)
        }
        let expected = try golden(file)
        #expect(rendered.text == expected, "\(format) differs from Golden/\(file)")
        return rendered
    }

    @Test func text() async throws {
        let (text, _) = try await Self.check(.text, file: "transcript.txt")
        #expect(text.contains("[2026-11-22 10:01:02] alice joined the chat\n"))
        #expect(text.contains("line one^Jline two^M^Jthree"))
        #expect(!text.contains("\r"))
    }

    @Test func markdown() async throws {
        let (text, _) = try await Self.check(.markdown, file: "transcript.md")
        #expect(text.contains("## 2026-11-23"))
        #expect(!text.contains("<script>"))
    }

    @Test func html() async throws {
        let (text, _) = try await Self.check(.html, file: "transcript.html")
        #expect(!text.contains("<script>"))
        #expect(text.contains("&lt;script&gt;"))
        #expect(!text.contains("http://") && !text.contains("https://") && !text.contains("src="))
        #expect(text.components(separatedBy: "<h2>").count - 1 == 2)
        #expect(text.contains("dir=\"auto\""))
        #expect(
            text.contains("<p class=\"session start\" id=\"s1-start\"><time datetime=\"2026-11-22T10:00:00.000Z\">"))
        #expect(
            text.hasSuffix(
                "Session 1 ended cleanly</p>\n</section>\n<footer>15 events, last id 15.</footer>\n</body>\n</html>\n"))
    }

    @Test func ndjsonIsTheWireShapeAndReadsBack() async throws {
        let (text, events) = try await Self.check(.ndjson, file: "transcript.ndjson")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.map(String.init) == events.map(EventJSON.encode))
        #expect(try lines.map { try EventJSON.decode($0) } == events)
    }

    @Test func jsonReadsBackWithAParser() async throws {
        let (text, events) = try await Self.check(.json, file: "transcript.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(document["count"] as? Int == events.count)
        #expect((document["last_id"] as? NSNumber)?.int64Value == events.last?.id)
        let objects = try #require(document["events"] as? [[String: Any]])
        let decoded = try objects.map { object in
            try EventJSON.decode(String(decoding: JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
        #expect(decoded == events)
    }

    @Test func csvReadsBackWithAParser() async throws {
        let (text, events) = try await Self.check(.csv, file: "transcript.csv")
        let rows = try CSVParser.parse(text)
        #expect(rows.first == CSVTranscript.columns)
        #expect(rows.count == events.count + 1)
        for (row, event) in zip(rows.dropFirst(), events) {
            #expect(Int64(row[0]) == event.id)
            #expect(Timestamp.parse(row[1]) == event.timeMillis)
            #expect(Int64(row[2]) == event.session)
            #expect(CSVTranscript.original(row[3]) == event.room)
            #expect(row[4] == event.kind.rawValue)
            #expect(CSVTranscript.original(row[5]) == event.user)
            #expect(CSVTranscript.original(row[6]) == event.text)
            #expect(row[7] == (event.reason?.rawValue ?? ""))
        }
        // No cell a spreadsheet would run as a formula.
        for cell in rows.joined() {
            #expect(!["=", "+", "-", "@"].contains(cell.first.map(String.init) ?? ""), "cell \(cell)")
        }
    }
}

/// A strict RFC 4180 reader, independent of the writer.
enum CSVParser {
    static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            if quoted {
                if scalar == "\"" {
                    if scalars.first == "\"" {
                        scalars.removeFirst()
                        cell.unicodeScalars.append("\"")
                    } else {
                        quoted = false
                    }
                } else {
                    cell.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard cell.isEmpty else { throw WaitFailure(description: "quote inside an unquoted cell") }
                quoted = true
            case ",":
                row.append(cell)
                cell = ""
            case "\r":
                guard scalars.popFirst() == "\n" else { throw WaitFailure(description: "CR without LF") }
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            case "\n":
                throw WaitFailure(description: "bare LF line end")
            default:
                cell.unicodeScalars.append(scalar)
            }
        }
        guard !quoted, row.isEmpty, cell.isEmpty else { throw WaitFailure(description: "unterminated row") }
        return rows
    }
}

import ChatModel
import ChatReplay
import ChatStore
import Foundation
import Testing

/// What the HTML page does beyond the golden file: links and nothing else, name colours readable
/// in both themes, dark mode, wrapping, session marks.
@Suite struct HTMLTranscriptTests {
    static func message(_ text: String, user: String = "alice") -> Event {
        Event(id: 7, kind: .message, user: user, text: text, timeMillis: millis("2026-11-22T10:01:02Z"), session: 1)
    }

    static func html(_ text: String) -> String {
        HTMLTranscript.paragraph(message(text))
    }

    @Test func httpLinksAreClickableAndLeaveTheRestEscaped() {
        #expect(
            Self.html("see https://example.com/a?b=1&c=2.").contains(
                "see <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer\">"
                    + "https://example.com/a?b=1&amp;c=2</a>.</span>"))
        #expect(Self.html("HTTP://EXAMPLE.COM").contains("<a href=\"HTTP://EXAMPLE.COM\" rel=\"noopener noreferrer\">"))
        #expect(
            WebLinks.split("(https://en.wikipedia.org/wiki/Swift_(language)), ok") == [
                .text("("), .link("https://en.wikipedia.org/wiki/Swift_(language)"), .text("), ok"),
            ])
        #expect(WebLinks.split("xhttp://a.b http:// https://") == [.text("xhttp://a.b http:// https://")])
    }

    @Test(arguments: [
        "javascript:alert(1)",
        "<a href=\"javascript:alert(1)\">click</a>",
        "\"onmouseover=alert(1) x=\"",
        "http://example.com/\"onmouseover=alert(1)//",
        "https://x.y/'onfocus='alert(1)",
        "<img src=x onerror=alert(1)>",
        "data:text/html,<script>alert(1)</script>",
    ])
    func nothingElseIsEverInterpreted(_ text: String) throws {
        let html = Self.html(text)
        // The only markup is ours: the paragraph, time, name, text span and http(s) anchors.
        let tags = html.matches(of: /<([a-z]+)[ >]/).map { String($0.1) }
        #expect(Set(tags).isSubset(of: ["p", "time", "bdi", "span", "a"]), "\(html)")
        for anchor in html.matches(of: /<a ([^>]*)>/) {
            #expect(anchor.1.wholeMatch(of: /href="https?:\/\/[^"]*" rel="noopener noreferrer"/) != nil, "\(html)")
        }
        #expect(!html.contains("\"onmouseover") && !html.contains("'onfocus") && !html.contains("<script"))
        #expect(!html.contains("href=\"javascript") && !html.contains("href=\"data"))
        // The text reads the same as it was written.
        let shown = html.replacing(/<[^>]*>/, with: "").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        #expect(shown.hasSuffix("alice: " + text))
    }

    @Test func namesWearTheClientsColour() {
        for name in ["alice", "bob", "سارا", "=cmd"] {
            let expected = "<bdi class=\"user n\(NameColor.code(for: name))\">"
            #expect(HTMLTranscript.paragraph(Self.message("hi", user: name)).contains(expected))
        }
    }

    /// WCAG 2 contrast of every name colour against the page in its theme: at least 4.5:1.
    @Test func nameColoursAreReadableInBothThemes() throws {
        for code in NameColor.palette {
            let shades = try #require(HTMLNameColors.shades[code])
            let page = HTMLNameColors.backgrounds
            #expect(try Self.contrast(shades.light, page.light) >= 4.5, "light \(code) \(shades.light)")
            #expect(try Self.contrast(shades.dark, page.dark) >= 4.5, "dark \(code) \(shades.dark)")
        }
    }

    @Test func darkModeWrappingAndNoExternalResources() throws {
        let output = StringOutput()
        var writer = HTMLTranscript(output: output)
        try writer.begin(TranscriptHeader(title: "Session 1"))
        try writer.end(TranscriptSummary(count: 0, lastID: nil))
        let page = output.text
        #expect(page.contains("@media (prefers-color-scheme: dark)"))
        #expect(page.contains("overflow-wrap: anywhere"))
        for name in NameColor.palette {
            #expect(page.components(separatedBy: ".n\(name) {").count == 3, "a light and a dark rule for \(name)")
        }
        #expect(!page.contains("url(") && !page.contains("@import") && !page.contains("<script"))
        #expect(!page.contains("http://") && !page.contains("https://"))
    }

    @Test func sessionMarks() {
        let base = millis("2026-11-22T10:00:00Z")
        let clean = Session(
            id: 2, startedMillis: base, endedMillis: base + 5000, state: .clean, host: "", port: 0, version: "")
        var unclean = clean
        unclean.state = .unclean
        var running = clean
        running.state = .running
        running.endedMillis = nil
        #expect(
            HTMLTranscript.paragraph(SessionMark(.start, of: clean))
                == "<p class=\"session start\" id=\"s2-start\"><time datetime=\"2026-11-22T10:00:00.000Z\">10:00:00</time> Session 2 started</p>"
        )
        #expect(
            HTMLTranscript.paragraph(SessionMark(.end, of: clean)).hasSuffix(
                "10:00:05</time> Session 2 ended cleanly</p>"))
        #expect(
            HTMLTranscript.paragraph(SessionMark(.end, of: unclean)).contains(
                "class=\"session unclean\"")
        )
        #expect(
            SessionMark(.end, of: unclean).words
                == "session 2 ended uncleanly (the server stopped without shutting down)")
        #expect(
            HTMLTranscript.paragraph(SessionMark(.end, of: running))
                == "<p class=\"session running\" id=\"s2-end\">Session 2 is still running</p>")
    }

    static func contrast(_ first: String, _ second: String) throws -> Double {
        func luminance(_ hex: String) throws -> Double {
            let value = try #require(Int(hex.dropFirst(), radix: 16))
            let channels = [value >> 16, value >> 8 & 0xFF, value & 0xFF].map { Double($0) / 255 }
            let linear = channels.map { $0 <= 0.039_28 ? $0 / 12.92 : pow(($0 + 0.055) / 1.055, 2.4) }
            return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
        }
        let (a, b) = (try luminance(first), try luminance(second))
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }
}

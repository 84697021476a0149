import Foundation
import Testing

@testable import ChatServer

/// The web window's files are edited in web/ and embedded by scripts/embed-web: the two must not
/// drift apart, and the page must live within the Content-Security-Policy it is served with (no
/// inline script or style, nothing from elsewhere).
@Suite("The web window's files")
struct WebAssetsTests {
    /// web/ in the repository, found from this file.
    private static let web = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("web")

    private static func source(_ name: String) throws -> String {
        try String(contentsOf: web.appendingPathComponent(name), encoding: .utf8)
    }

    /// Each file of web/ and what WebAssets holds for it.
    private static let embedded = [
        "index.html": WebAssets.indexHTML,
        "app.js": WebAssets.appJS,
        "app.css": WebAssets.appCSS,
    ]

    @Test(
        "WebAssets holds web/ byte for byte (run scripts/embed-web after editing web/)",
        arguments: ["index.html", "app.js", "app.css"])
    func embeddedMatchesSource(file: String) throws {
        let source = try Self.source(file)
        // Compared apart from the expectation, so that a failure names the file, not its whole text.
        let same = Self.embedded[file] == source
        #expect(same, "WebAssets is out of date for web/\(file): run scripts/embed-web")
    }

    @Test("the page has no inline script, no inline style, no event handler attributes")
    func nothingInline() throws {
        let html = try Self.source("index.html")
        // Every script loads its source and has no body.
        let scripts = html.matches(of: try Regex(#"(?is)<script\b([^>]*)>(.*?)</script\s*>"#))
        #expect(!scripts.isEmpty)
        for script in scripts {
            let attributes = String(html[script.range]).prefix { $0 != ">" }
            #expect(attributes.contains("src="), "a script without src: \(script.output[0].substring ?? "")")
            let body = script.output[2].substring ?? ""
            let blank = body.allSatisfy(\.isWhitespace)
            #expect(blank, "a script with a body: \(body)")
        }
        #expect(html.firstMatch(of: try Regex(#"(?i)<style\b"#)) == nil, "a <style> element")
        #expect(html.firstMatch(of: try Regex(#"(?i)\sstyle\s*="#)) == nil, "a style= attribute")
        #expect(html.firstMatch(of: try Regex(#"(?i)\son[a-z]+\s*="#)) == nil, "an on...= event handler attribute")
        #expect(html.firstMatch(of: try Regex(#"(?i)javascript:"#)) == nil, "a javascript: address")
    }

    @Test("the page loads nothing from elsewhere")
    func nothingExternal() throws {
        let external = try Regex(#"(?i)(src|href)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//|@import"#)
        for file in ["index.html", "app.css"] {
            let refers = try Self.source(file).firstMatch(of: external) != nil
            #expect(!refers, "web/\(file) refers to another site")
        }
    }

    @Test("the script puts text on the page with textContent only, never as HTML")
    func noHTMLFromText() throws {
        let script = try Self.source("app.js")
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
            let uses = script.contains(sink)
            #expect(!uses, "web/app.js uses \(sink)")
        }
        let strict = script.contains("\"use strict\";")
        #expect(strict, "web/app.js is not strict")
    }

    @Test("the page keeps the ids the browser tests rely on")
    func domContract() throws {
        let html = try Self.source("index.html")
        let ids = [
            "signin", "name", "password", "join", "signin-error", "chat", "messages", "entry", "send", "errors",
            "members", "rooms", "status", "me",
        ]
        for id in ids {
            let found = html.contains("id=\"\(id)\"")
            #expect(found, "no element with id \(id)")
        }
    }
}

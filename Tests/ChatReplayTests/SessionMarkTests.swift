import ChatModel
import ChatTestSupport
import Foundation
import Testing

@testable import ChatStore

/// `export --all` marks where each session starts and ends, and whether it ended cleanly, in text,
/// Markdown and HTML; a one-session text export stays as it was.
@Suite struct SessionMarkTests {
    /// Session 1 dies (unclean), session 2 stops cleanly.
    static func twoSessions(at path: String) async throws {
        let base = millis("2026-11-22T10:00:00Z")
        let first = try EventStore(path: path)
        let writer = try first.startSession(host: "127.0.0.1", port: 7070, version: "test") { _ in }
        _ = try await writer.append(NewEvent(kind: .message, user: "alice", text: "before the crash", timeMillis: base))
        first.abandon()
        try await record(
            [NewEvent(kind: .message, user: "bob", text: "after the restart", timeMillis: base + 60_000)], at: path)
    }

    @Test func textAndMarkdownAllExportsMarkSessions() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await Self.twoSessions(at: directory.file("chat.sqlite"))
        let text = try await runCLI(["export", "--all"], in: directory.path)
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 6, "\(lines)")
        #expect(lines[0].hasSuffix("] --- session 1 started ---"))
        #expect(lines[1] == "[2026-11-22 10:00:00] alice: before the crash")
        #expect(
            lines[2]
                == "[2026-11-22 10:00:00] --- session 1 ended uncleanly (the server stopped without shutting down) ---")
        #expect(lines[3].hasSuffix("] --- session 2 started ---"))
        #expect(lines[4] == "[2026-11-22 10:01:00] bob: after the restart")
        #expect(lines[5].hasSuffix("] --- session 2 ended cleanly ---"))

        let markdown = try await runCLI(["export", "--all", "--format", "markdown"], in: directory.path)
        #expect(
            markdown.stdout.contains("── **session 1 ended uncleanly (the server stopped without shutting down)** ──\n")
        )
        #expect(markdown.stdout.contains("── **session 2 ended cleanly** ──\n"))

        let html = try await runCLI(["export", "--all", "--format", "html"], in: directory.path)
        #expect(html.stdout.contains("<p class=\"session unclean\" id=\"s1-end\">"))
        #expect(html.stdout.contains("Session 2 ended cleanly</p>"))

        let one = try await runCLI(["export", "--session", "2"], in: directory.path)
        #expect(one.stdout == "[2026-11-22 10:01:00] bob: after the restart\n")
    }
}

import ChatModel
import ChatProtocol
import ChatReplay
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// Transcripts of a session in two rooms with private messages: every format names the room when
/// there are several, marks private messages (left out unless asked for), and `--room` picks one.
@Suite struct RoomTranscriptTests {
    /// Renders `RoomsFixture` in `format` with `selection`; the filter it used and the text.
    static func render(
        _ format: TranscriptFormat, _ selection: RoomSelection = RoomSelection()
    ) async throws -> (text: String, events: [Event]) {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("chat.sqlite")
        try await record(RoomsFixture.events, at: path)
        let reader = try EventReader(path: path)
        let filter = try await selection.apply(to: EventFilter(session: 1), source: reader, path: path)
        let output = StringOutput()
        var writer = format.writer(to: output)
        let summary = try await Exporter.export(
            from: reader, filter: filter, header: TranscriptHeader(title: "Session 1"), to: &writer,
            sessions: { _ in RoomsFixture.session })
        let events = try reader.events(filter)
        #expect(summary == TranscriptSummary(count: events.count, lastID: events.last?.id))
        return (output.text, events)
    }

    static let files: [(TranscriptFormat, String)] = [
        (.text, "rooms.txt"), (.markdown, "rooms.md"), (.html, "rooms.html"), (.csv, "rooms.csv"),
        (.json, "rooms.json"), (.ndjson, "rooms.ndjson"),
    ]

    @Test("every format of both rooms and the private messages matches its golden file", arguments: files)
    func golden(_ format: TranscriptFormat, _ file: String) async throws {
        let (text, events) = try await Self.render(format, RoomSelection(includePrivate: true))
        #expect(events.count == RoomsFixture.events.count)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] != nil {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Golden/\(file)")
            try text.write(to: source, atomically: true, encoding: .utf8)
        }
        #expect(text == (try GoldenTests.golden(file)), "\(format) differs from Golden/\(file)")
    }

    /// What each format shows for bob's message in #dev, and for alice's private message to bob.
    static let marks: [(TranscriptFormat, room: String, private: [String])] = [
        (.text, "] [#dev] bob: shipping #42\n", ["] alice to bob (private): lunch, =later?\n"]),
        (.markdown, "` \\#dev **bob**: shipping \\#42\n", ["` **alice** to **bob** (private): lunch, =later?\n"]),
        (
            .html, #"</time> <span class="room">#dev</span> <bdi"#,
            [#"<p class="message private" id="e8">"#, "(private): <span class=\"text\" dir=\"auto\">lunch, =later?"]
        ),
        (.csv, ",1,dev,message,bob,shipping #42,,\r\n", [",1,,message,alice,\"lunch, =later?\",,bob\r\n"]),
        (
            .json, #""room":"dev","user":"bob","text":"shipping #42""#,
            [#""room":"","user":"alice","text":"lunch, =later?""#, #""recipient":"bob"}"#]
        ),
        (
            .ndjson, #""room":"dev","user":"bob","text":"shipping #42""#,
            [#""room":"","user":"alice","text":"lunch, =later?""#, #""recipient":"bob"}"#]
        ),
    ]

    @Test("each format names the room of each event and marks private messages", arguments: marks)
    func roomsAndPrivateMarked(_ format: TranscriptFormat, room: String, private marks: [String]) async throws {
        let (text, _) = try await Self.render(format, RoomSelection(includePrivate: true))
        #expect(text.contains(room), "\(format): no room mark \(room) in\n\(text)")
        for mark in marks { #expect(text.contains(mark), "\(format): no private mark \(mark) in\n\(text)") }
    }

    @Test("private messages are left out unless asked for", arguments: files.map(\.0))
    func privateLeftOutByDefault(_ format: TranscriptFormat) async throws {
        let (text, events) = try await Self.render(format)
        #expect(events.count == RoomsFixture.events.count - 2)
        #expect(events.allSatisfy { !$0.isPrivate })
        #expect(
            !text.contains("lunch") && !text.contains("(private)") && !text.contains("message private")
                && !text.contains("recipient\":"))
        // The rooms are still named.
        #expect(text.contains("dev"))
    }

    @Test("--room picks one room, without case and with # optional; its events do not repeat the room")
    func oneRoom() async throws {
        for typed in ["dev", "#Dev", "DEV"] {
            let (text, events) = try await Self.render(.text, RoomSelection(room: typed, includePrivate: true))
            #expect(events.map(\.room) == Array(repeating: "dev", count: 8), "\(typed)")
            #expect(!text.contains("#dev") && !text.contains("private") && !text.contains("morning"))
            #expect(text.contains("] alice set the topic: deploys at 5 <b>\n"))
            #expect(text.contains("] bob is now known as robert\n"))
            #expect(text.contains("] alice left the room\n"))
        }
        let (main, _) = try await Self.render(.markdown, RoomSelection(room: "main"))
        #expect(main.contains("**alice**: morning") && !main.contains("shipping"))
    }

    @Test func unknownRoomNamesTheRooms() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("chat.sqlite")
        try await record(RoomsFixture.events, at: path)
        let reader = try EventReader(path: path)
        let error = await #expect(throws: ReplayError.self) {
            try await RoomSelection(room: "ops").apply(to: EventFilter(), source: reader, path: path)
        }
        #expect(error?.message == "\(path): no room #ops (rooms: #dev, #main)")
    }
}

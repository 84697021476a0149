import ChatModel
import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import ChatProtocol

@Suite("Wire protocol")
struct ProtocolTests {
    let event = Event(
        id: 7, kind: .message, user: "al\"ice", text: "a \\ b\n\u{1}é😀", timeMillis: 1_795_427_156_029, session: 2,
        connection: 3)

    @Test("an event encodes with keys in a fixed order and decodes back to itself")
    func eventRoundTrip() throws {
        let json = EventJSON.encode(event)
        #expect(
            json
                == #"{"id":7,"kind":"message","room":"main","user":"al\"ice","text":"a \\ b\n\u0001é😀","time":"2026-11-23T09:45:56.029Z","session":2,"connection":3}"#
        )
        #expect(try EventJSON.decode(json) == event)
        let leave = Event(id: 8, kind: .leave, user: "bob", timeMillis: 0, session: 1, reason: .tooSlow)
        #expect(
            EventJSON.encode(leave).hasSuffix(#""time":"1970-01-01T00:00:00.000Z","session":1,"reason":"too_slow"}"#))
        #expect(try EventJSON.decode(EventJSON.encode(leave)) == leave)
    }

    @Test("times format and parse in UTC, including before 1970 and with offsets")
    func timestamps() {
        for millis: Int64 in [0, -1, 951_782_400_000, 1_795_427_156_029, 4_102_444_799_999, -62_135_596_800_000] {
            let text = Timestamp.iso8601(millis)
            #expect(Timestamp.parse(text) == millis, "\(text)")
            #expect(text.hasPrefix(Timestamp.readable(millis).replacingOccurrences(of: " ", with: "T")))
        }
        #expect(Timestamp.parse("2026-11-22T10:01:02+01:00") == Timestamp.parse("2026-11-22T09:01:02Z"))
        #expect(Timestamp.parse("2026-11-22") == Timestamp.parse("2026-11-22T00:00:00Z"))
        #expect(Timestamp.parse("2026-11-22 10:01") == Timestamp.parse("2026-11-22T10:01:00Z"))
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Timestamp.parse("2026-13-01") == nil)
    }

    @Test("client and server messages survive a round trip")
    func messagesRoundTrip() throws {
        let clientMessages: [ClientMessage] = [
            .hello(name: "a", resumeAfter: 5, history: 10), .hello(name: "b"), .say("hi \"x\""), .me("waves"), .who(),
            .history(limit: 3), .quit, .roomKick(name: "bob"), .roomKick(name: "bob", room: "dev", reason: "spam"),
        ]
        for message in clientMessages { #expect(try ClientMessage.decode(Array(message.json.utf8)) == message) }
        let serverMessages: [ServerMessage] = [
            .welcome(name: "a2", session: 4, server: "chatroom 0.1.0", room: "main", maxMessageBytes: 4096),
            .welcome(name: "a2", session: 4, server: "chatroom 0.1.0", room: "main", maxMessageBytes: nil),
            .event(event, history: true),
            .event(event, history: false), .historyEnd(), .historyEnd(room: "dev"), .gap(after: 1, resumedAfter: 9),
            .gap(room: "dev", after: 1, resumedAfter: 9), .who(names: ["a", "b"]), .who(room: "dev", names: ["a"]),
            .joined(room: "dev", topic: "deploys", names: ["a", "b"]),
            .rooms([RoomSummary(name: "main", members: 2, topic: ""), RoomSummary(name: "dev", members: 1, topic: "x")]
            ),
            .topic(room: "dev", text: "x", by: "a", timeMillis: 1_764_000_000_000),
            .topic(room: "dev", text: "", by: nil, timeMillis: nil), .renamed(from: "a", to: "b"),
            .notice(code: .rateLimited, message: "slow"), .error(code: .lineTooLong, message: "long"),
            .shutdown(message: "bye"), .searchResults(query: "x", hits: []),
            .searchResults(
                query: "cafe \"launch\"",
                hits: [
                    SearchHit(
                        id: 41, kind: .message, room: "main", user: "bob", recipient: nil,
                        timeMillis: 1_764_000_000_123, snippet: "the \u{2}CAFE\u{3} is…"),
                    SearchHit(
                        id: 9, kind: .action, room: nil, user: "al", recipient: "bob", timeMillis: 0, snippet: "x"),
                ]),
        ]
        for message in serverMessages { #expect(try ServerMessage.decode(Array(message.json.utf8)) == message) }
    }

    @Test("a search result with an unknown kind or a bad time is a malformed line, not a guess")
    func badSearchResults() {
        for bad in [
            #"{"type":"search_results","query":"x","results":[{"id":1,"time":"2026-11-22T10:00:00Z","kind":"spell","user":"a","snippet":"x"}]}"#,
            #"{"type":"search_results","query":"x","results":[{"id":1,"time":"yesterday","kind":"message","user":"a","snippet":"x"}]}"#,
            #"{"type":"search_results","query":"x","results":[{"id":1}]}"#,
        ] {
            #expect(throws: ProtocolError.self) { try ServerMessage.decode(Array(bad.utf8)) }
        }
    }

    @Test(
        "bad client lines give errors with codes",
        arguments: [
            (#"{"type":"say"}"#, ErrorCode.malformed), (#"{"type":"fly"}"#, .unknownType), ("not json", .malformed),
            (#"{"type":"hello","protocol":2,"name":"x"}"#, .unsupportedProtocol),
            (#"{"type":"say","text":"#, .malformed),
            (String(repeating: "[", count: 5000), .malformed), (#"{"text":"no type"}"#, .malformed),
        ])
    func badClientLines(line: String, code: ErrorCode) {
        #expect(throws: ProtocolError.self) { try ClientMessage.decode(Array(line.utf8)) }
        do {
            _ = try ClientMessage.decode(Array(line.utf8))
        } catch {
            #expect(error.code == code)
        }
    }

    @Test("the sanitiser neutralises every control and escape character, and leaves the rest")
    func sanitiser() {
        #expect(TextSanitizer.clean("plain é 😀 עברית") == "plain é 😀 עברית")
        #expect(TextSanitizer.clean("\u{1B}[31mred\u{7}\t\r\n\u{7F}") == "^[[31mred^G ^M^J^?")
        #expect(TextSanitizer.clean("\u{9B}31m \u{202E}evil") == "\u{FFFD}31m \u{FFFD}evil")
        #expect(TextSanitizer.clean(bytes: [0x61, 0xFF, 0x62]) == "a\u{FFFD}b")
        for scalar in (0..<0x20).compactMap(Unicode.Scalar.init) {
            #expect(!TextSanitizer.clean(String(scalar)).unicodeScalars.contains { $0.value < 0x20 })
        }
    }

    @Test("names are trimmed, cleaned, cut, and made unique with a number")
    func names() {
        #expect(NameRules.normalize("  al ice\u{1B}  ") == "al_ice")
        #expect(NameRules.normalize(String(repeating: "x", count: 100)).count == NameRules.maxLength)
        #expect(NameRules.normalize(" \u{7} ") == "")
        #expect(NameRules.isReserved("SERVER") && !NameRules.isReserved("serverless"))
        let taken: Set<String> = ["alice", "alice2"]
        #expect(NameRules.unique("alice") { taken.contains($0) } == "alice3")
        #expect(NameRules.unique("bob") { taken.contains($0) } == "bob")
        let long = String(repeating: "y", count: NameRules.maxLength)
        #expect(NameRules.unique(long) { $0 == long }.count == NameRules.maxLength)
    }

    @Test("the framer splits lines, strips CR, and reports an overlong line once without losing the next")
    func framing() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 8)))
        try channel.writeInbound(ByteBuffer(string: "one\r\ntwo\n0123456789abc"))
        try channel.writeInbound(ByteBuffer(string: "defgh\nthree"))
        try channel.writeInbound(ByteBuffer(string: "\n"))
        var lines: [InboundLine] = []
        while let line = try channel.readInbound(as: InboundLine.self) { lines.append(line) }
        #expect(
            lines == [
                .line(ByteBuffer(string: "one")), .line(ByteBuffer(string: "two")), .overlong(byteCount: 18),
                .line(ByteBuffer(string: "three")),
            ])
        _ = try channel.finish()
    }

    @Test("plain text lines for every kind")
    func plainText() {
        func line(_ kind: EventKind, _ text: String = "", _ reason: LeaveReason? = nil) -> String {
            PlainText.line(Event(id: 1, kind: kind, user: "bob", text: text, timeMillis: 0, session: 1, reason: reason))
        }
        #expect(line(.message, "hi") == "bob: hi")
        #expect(line(.action, "waves") == "* bob waves")
        #expect(line(.join) == "bob joined the chat")
        #expect(line(.leave, "", .quit) == "bob left the chat")
        #expect(line(.leave, "", .connectionLost) == "bob left the chat (connection lost)")
    }
}

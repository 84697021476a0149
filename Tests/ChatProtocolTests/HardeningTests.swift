import ChatModel
import NIOCore
import NIOEmbedded
import Testing

@testable import ChatProtocol

@Suite("Hardening")
struct HardeningTests {
    @Test("line and paragraph separators become spaces, LRM, RLM and ALM become U+FFFD, in text and names")
    func separatorsAndMarks() {
        #expect(TextSanitizer.clean("a\u{2028}b\u{2029}c") == "a b c")
        #expect(TextSanitizer.clean("\u{200E}x\u{200F}y\u{061C}") == "\u{FFFD}x\u{FFFD}y\u{FFFD}")
        #expect(NameRules.normalize("al\u{200F}i\u{2028}ce\u{061C}") == "alice")
        for scalar in ["\u{2028}", "\u{2029}", "\u{200E}", "\u{200F}", "\u{061C}"].flatMap(\.unicodeScalars) {
            #expect(CharacterPolicy.isUnsafe(scalar))
        }
        #expect(!"é😀 עברית \u{200D}".unicodeScalars.contains(where: CharacterPolicy.isUnsafe), "ZWJ joins emoji")
    }

    @Test("the line limit counts the content, not the CR of a CRLF ending, even when the LF comes later")
    func limitWithoutTerminator() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 8)))
        try channel.writeInbound(ByteBuffer(string: "12345678\r\n"))
        try channel.writeInbound(ByteBuffer(string: "abcdefgh\r"))
        try channel.writeInbound(ByteBuffer(string: "\n123456789\r\n"))
        try channel.writeInbound(ByteBuffer(string: "ABCDEFGHI"))
        var lines: [InboundLine] = []
        while let line = try channel.readInbound(as: InboundLine.self) { lines.append(line) }
        _ = try channel.finish()
        while let line = try channel.readInbound(as: InboundLine.self) { lines.append(line) }
        #expect(
            lines == [
                .line(ByteBuffer(string: "12345678")), .line(ByteBuffer(string: "abcdefgh")),
                .overlong(byteCount: 9), .overlong(byteCount: 9),
            ])
    }

    @Test("no limit is too large: a partial line under Int.max waits for its end")
    func hugeLimit() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: .max)))
        try channel.writeInbound(ByteBuffer(string: "abc"))
        try channel.writeInbound(ByteBuffer(string: "\r\n"))
        #expect(try channel.readInbound(as: InboundLine.self) == .line(ByteBuffer(string: "abc")))
        _ = try channel.finish()
    }

    @Test(
        "a key named twice in one object is refused, however it is spelt",
        arguments: [
            (#"{"type":"say","text":"a","text":"b"}"#, "text"),
            (#"{"type":"say","text":"a","t\u0065xt":"b"}"#, "text"),
            (#"{"type":"say","type":"quit","text":"a"}"#, "type"),
        ])
    func duplicateKeys(_ line: String, _ key: String) {
        let refusal = ProtocolError(code: .malformed, message: "malformed message: duplicate key \"\(key)\"")
        #expect(throws: refusal) { try ClientMessage.decode(Array(line.utf8)) }
    }

    @Test("duplicates are refused inside an event, and keys may repeat across objects and in arrays")
    func duplicatesInEvents() throws {
        let event = #"{"id":1,"kind":"join","user":"a","user":"b","time":"2026-11-22T10:01:02.123Z"}"#
        #expect(throws: ProtocolError.self) { try EventJSON.decode(event) }
        let wrapped = #"{"type":"event","event":"# + event + "}"
        #expect(throws: ProtocolError.self) { try ServerMessage.decode(Array(wrapped.utf8)) }
        let fine = #"{"type":"who","names":["type","type"],"message":"{\"type\":1,\"type\":2}"}"#
        #expect(try ServerMessage.decode(Array(fine.utf8)) == .who(names: ["type", "type"]))
        let nested =
            #"{"type":"event","event":{"id":1,"kind":"join","user":"a","text":"","time":"1970-01-01T00:00:00Z","type":"x"}}"#
        #expect(
            try ServerMessage.decode(Array(nested.utf8))
                == .event(Event(id: 1, kind: .join, user: "a", timeMillis: 0, session: 0), history: false))
    }

    @Test("one JSON string escaper: quotes, backslashes and C0 controls; everything else as UTF-8")
    func jsonString() {
        #expect(
            JSONString.quoted("a\"b\\c\n\r\t\u{1}\u{1F}é\u{2028}") == #""a\"b\\c\n\r\t\u0001\u001fé"# + "\u{2028}\"")
        var object = JSONObject()
        object.add("type", "who")
        object.add("names", strings: ["a\"", "b"])
        #expect(object.string == #"{"type":"who","names":["a\"","b"]}"#)
    }
}

import ChatModel
import ChatProtocol
import Foundation
import Testing

/// IRC lines parsed and written back, after the cases of the Modern IRC documents and the
/// ircdocs parser tests.
@Suite struct IRCMessageTests {
    @Test(arguments: [
        ("PING", IRCMessage(command: "PING")),
        ("nick alice", IRCMessage(command: "NICK", ["alice"])),
        ("USER alice 0 * :Alice Liddell", IRCMessage(command: "USER", ["alice", "0", "*", "Alice Liddell"])),
        (":irc.example 001 alice :Welcome", IRCMessage(source: "irc.example", command: "001", ["alice", "Welcome"])),
        ("PRIVMSG #main :", IRCMessage(command: "PRIVMSG", ["#main", ""])),
        ("PRIVMSG #main ::-)", IRCMessage(command: "PRIVMSG", ["#main", ":-)"])),
        ("  JOIN   #a,#b   ", IRCMessage(command: "JOIN", ["#a,#b"])),
        (
            "@time=2026-11-30T12:00:00.000Z;msgid=42;+draft/x :bob!bob@h PRIVMSG #main :hi there",
            IRCMessage(
                tags: [("time", "2026-11-30T12:00:00.000Z"), ("msgid", "42"), ("+draft/x", nil)], source: "bob!bob@h",
                command: "PRIVMSG", ["#main", "hi there"])
        ),
        ("@a=b\\:c\\sd\\\\e TAGMSG", IRCMessage(tags: [("a", "b;c d\\e")], command: "TAGMSG")),
    ])
    func linesParse(line: String, expected: IRCMessage) throws {
        #expect(try IRCMessage(parsing: Substring(line)) == expected)
    }

    @Test func messagesSurviveARoundTrip() throws {
        let messages = [
            IRCMessage(command: "PRIVMSG", ["#main", "hello world"]),
            IRCMessage(command: "PRIVMSG", ["#main", ""]),
            IRCMessage(command: "PRIVMSG", ["#main", ":colon"]),
            IRCMessage(tags: [("msgid", "7"), ("k", "a;b c\\d\r\n")], source: "s", command: "NOTICE", ["*", "x"]),
        ]
        for message in messages {
            #expect(try IRCMessage(parsing: Substring(message.line)) == message, "\(message.line)")
        }
    }

    @Test(arguments: ["", "   ", ":source-only", "@tags-only", "@=x PING", "PRIV-MSG x"])
    func badLinesAreRefused(line: String) {
        #expect(throws: IRCParseError.self) { try IRCMessage(parsing: Substring(line)) }
    }
}

@Suite("IRC lines")
struct IRCLinesTests {
    @Test(
        "IRC formatting is dropped from a client's text, controls are cleaned",
        arguments: [
            ("\u{2}bold\u{2} and \u{1D}italic\u{1D}", "bold and italic"),
            ("\u{3}4,12red on blue\u{3} plain", "red on blue plain"),
            ("\u{3}04x\u{3}", "x"),
            ("\u{3},5 comma stays", ",5 comma stays"),
            ("\u{4}FF00FFhex\u{F}", "hex"),
            ("1,2 digits stay", "1,2 digits stay"),
        ])
    func formattingDropped(input: String, expected: String) {
        #expect(IRCLines.plainText(input) == expected)
    }

    @Test("a long message is cut into lines of what one client line carries, at character boundaries")
    func longMessagesAreCut() throws {
        let text = String(repeating: "é", count: 700)
        let event = Event(
            id: 7, kind: .message, room: "dev", user: "alice", text: text, timeMillis: 0, session: 1)
        var out: [UInt8] = []
        IRCLines.append(event, tags: [.time, .msgid], to: &out)
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\r\n")
        #expect(lines.count > 1)
        for line in lines {
            #expect(line.hasPrefix("@time="))
        }
        let texts = try lines.map { try IRCMessage(parsing: $0).parameters.last ?? "" }
        #expect(texts.joined() == text)
        // Each piece is what one line from a client could carry, tags and source aside.
        #expect(texts.allSatisfy { "PRIVMSG #dev \($0)\r\n".utf8.count <= IRCLines.maxLineBytes })
    }

    @Test("the longest text an IRC client can send in one line is relayed in one line, its source aside")
    func clientSizedMessagesStayWhole() throws {
        // `PRIVMSG #dev ` and a text of one word and `\r\n`: 512 bytes, as a client may send it.
        let text = String(repeating: "b", count: IRCLines.maxLineBytes - "PRIVMSG #dev \r\n".utf8.count)
        let event = Event(id: 7, kind: .message, room: "dev", user: "alice", text: text, timeMillis: 0, session: 1)
        var out: [UInt8] = []
        IRCLines.append(event, tags: [.msgid], to: &out)
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\r\n")
        #expect(lines.count == 1)
        #expect(try lines.map { try IRCMessage(parsing: $0).parameters } == [["#dev", text]])
        var longer: [UInt8] = []
        IRCLines.append(
            Event(id: 8, kind: .message, room: "dev", user: "alice", text: text + "b", timeMillis: 0, session: 1),
            tags: [], to: &longer)
        #expect(String(decoding: longer, as: UTF8.self).split(separator: "\r\n").count == 2)
    }
}

import ChatProtocol
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

import ChatModel
import ChatProtocol
import ChatTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Rooms in a real pseudo-terminal: the prompt names the current room and the unread messages
/// of the others; lines of other rooms carry their room; Alt+digit switches.
@Suite("rooms in a terminal", .timeLimit(.minutes(1)))
struct RoomsTerminalTests {
    @Test("/join: the prompt names the room; other rooms' lines are labelled and counted; Alt+1 and Alt+2 switch")
    func promptAndUnread() async throws {
        let heard = NIOLockedValueBox<[String]>([])
        let server = try HostileServer { connection in
            guard connection.readFirstLine() != nil else { return }
            connection.roomsWelcome(token: "t")
            connection.send(ServerMessage.historyEnd(room: "main").json)
            connection.send(wireEvent(1, "main", kind: .join, user: "alice"))
            while let line = connection.nextLine() {
                heard.withLockedValue { $0.append(line) }
                if line.contains(#""type":"join""#) {
                    connection.send(ServerMessage.joined(room: "dev", topic: "ship it", names: ["alice", "bob"]).json)
                    connection.send(wireEvent(2, "dev", user: "bob", text: "before you came", history: true))
                    connection.send(ServerMessage.historyEnd(room: "dev").json)
                    connection.send(wireEvent(3, "dev", kind: .join, user: "alice"))
                } else if line.contains(#""type":"say""#) {
                    connection.send(wireEvent(4, "dev", user: "alice", text: "hello dev"))
                    connection.send(wireEvent(5, "main", user: "carol", text: "lunch?"))
                    connection.send(wireEvent(6, "main", kind: .action, user: "carol", text: "waves"))
                    connection.send(wireEvent(7, "main", kind: .join, user: "dave"))
                } else if line.contains(#""type":"quit""#) {
                    return
                }
            }
        }
        defer { server.stop() }
        let client = try TerminalClient(["--port", "\(server.port)", "--name", "alice"])
        try await client.waitForScreen("the prompt in main") { $0.cursorLine == "[#main] alice>" }
        client.type("/join #dev\r")
        try await client.waitForScreen("the prompt in dev") { $0.cursorLine == "[#dev] alice>" }
        try await client.waitForLine(endingWith: "*** now in #dev (2): alice, bob; topic: ship it")
        client.type("hello dev\r")
        try await client.waitForScreen("two unread in main") { $0.cursorLine == "[#dev] (main 2) alice>" }
        try await client.waitForLine(endingWith: "[#main] → dave joined the chat")
        let lines = client.screen.lines
        #expect(lines.contains { $0.hasSuffix(" bob: before you came") && !$0.contains("[#") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix(" alice: hello dev") && !$0.contains("[#") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix(" [#main] carol: lunch?") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix(" [#main] * carol waves") }, "\(lines)")
        let say = try #require(heard.withLockedValue { $0 }.first { $0.contains(#""type":"say""#) })
        #expect(say.contains(#""room":"dev""#), "typed lines go to the current room: \(say)")
        client.type("\u{1B}1")
        try await client.waitForScreen("Alt+1: main, read") { $0.cursorLine == "[#main] alice>" }
        client.type("\u{1B}2")
        try await client.waitForScreen("Alt+2: dev") { $0.cursorLine == "[#dev] alice>" }
        client.type("\u{1B}7/switch ops\r")
        try await client.waitForLine(endingWith: "*** you are not in #ops; /join ops enters it")
        #expect(client.screen.cursorLine == "[#dev] alice>", "Alt+7 with two rooms does nothing")
        client.type("\u{03}")
        #expect(try await client.exitStatus() == 0)
    }
}

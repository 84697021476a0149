import ChatClient
import ChatModel
import ChatProtocol
import ChatTestSupport
import Foundation
import Testing

/// Resuming several rooms against a scripted server: what the hello names, and how catch-up
/// blocks of several rooms (ids not in one order across them) are shown.
@Suite("rooms: resume against a scripted server", .timeLimit(.minutes(1)))
struct RoomsResumeFakeTests {
    @Test("a reconnect names each room with its last event and the private mark and token; each block shown once")
    func resumeNamesEachRoom() async throws {
        let server = try HostileServer { connection in
            guard connection.readFirstLine() != nil else { return }
            if connection.server.connections == 1 {
                connection.roomsWelcome(token: "tok1")
                connection.send(ServerMessage.historyEnd(room: "main").json)
                connection.send(wireEvent(1, "main", kind: .join, user: "alice"))
                connection.send(ServerMessage.joined(room: "dev", topic: "", names: ["alice"]).json)
                connection.send(wireEvent(2, "dev", history: true))
                connection.send(ServerMessage.historyEnd(room: "dev").json)
                connection.send(wireEvent(3, "main"))
                connection.send(wireEvent(4, "dev"))
                connection.send(wireEvent(5, "", to: "alice"))
                // Then the connection is lost.
            } else {
                connection.roomsWelcome(token: "tok2")
                // dev's block first, with higher ids than main's block after it.
                connection.send(wireEvent(4, "dev", history: true))
                connection.send(wireEvent(7, "dev", history: true))
                connection.send(ServerMessage.historyEnd(room: "dev").json)
                connection.send(wireEvent(3, "main", history: true))
                connection.send(wireEvent(6, "main", history: true))
                connection.send(ServerMessage.historyEnd(room: "main").json)
                connection.send(wireEvent(5, "", history: true, to: "alice"))
                connection.send(wireEvent(8, "", history: true, to: "alice"))
                connection.send(ServerMessage.historyEnd(room: "").json)
                connection.send(wireEvent(9, "main"))
                connection.readUntilQuit()
            }
        }
        defer { server.stop() }
        let alice = SessionHarness(port: server.port, name: "alice")
        defer { alice.cancel() }
        try await alice.waitFor("the live event after the catch-up") {
            if case .event(let event, nil) = $0 { return event.id == 9 }
            return false
        }
        let hello = try #require(server.firstLines.last)
        #expect(
            hello.contains(#""rooms":[{"room":"dev","resume_after":4},{"room":"main","resume_after":3}]"#),
            "the current room (main) last: \(hello)")
        #expect(hello.contains(#""private_after":5"#) && hello.contains(#""token":"tok1""#), "\(hello)")
        #expect(!hello.contains("\"resume_after\":3,"), "no single-room resume_after at the top: \(hello)")
        #expect(alice.shownEvents.map(\.id) == [1, 2, 3, 4, 5, 7, 6, 8, 9])
        let warnings = alice.outputs.filter {
            if case .info(let text) = $0 { return text.hasPrefix("warning") }
            return false
        }
        #expect(warnings.isEmpty, "\(warnings)")
        let blocks = alice.outputs.compactMap { output -> String? in
            if case .historyBegin(let kind, let room) = output { return "\(kind) \(room ?? "-")" }
            return nil
        }
        #expect(blocks == ["join dev", "catchUp dev", "catchUp main", "catchUp -"])
        #expect(alice.session.marks.token == "tok2")
        #expect(try await alice.quit() == .quit)
    }

    @Test("a part forgets the room: the next reconnect does not name it")
    func partForgets() async throws {
        let server = try HostileServer { connection in
            guard connection.readFirstLine() != nil else { return }
            connection.roomsWelcome(token: "t")
            connection.send(ServerMessage.historyEnd(room: "main").json)
            if connection.server.connections == 1 {
                connection.send(ServerMessage.joined(room: "dev", topic: "", names: ["alice"]).json)
                connection.send(ServerMessage.historyEnd(room: "dev").json)
                connection.send(wireEvent(1, "dev", kind: .join, user: "alice"))
                connection.send(wireEvent(2, "main"))
                connection.send(wireEvent(3, "dev", kind: .leave, user: "alice"))
            } else {
                connection.send(wireEvent(4, "main"))
                connection.readUntilQuit()
            }
        }
        defer { server.stop() }
        let alice = SessionHarness(port: server.port, name: "alice")
        defer { alice.cancel() }
        try await alice.waitFor("the event after the reconnect") {
            if case .event(let event, nil) = $0 { return event.id == 4 }
            return false
        }
        let hello = try #require(server.firstLines.last)
        #expect(hello.contains(#""rooms":[{"room":"main","resume_after":2}]"#), "\(hello)")
        #expect(alice.session.marks.rooms == ["main"])
        #expect(try await alice.quit() == .quit)
    }
}

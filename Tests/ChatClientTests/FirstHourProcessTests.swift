import ChatClient
import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// The first hour with `chat-client` in a pipe: a closed room, live lines with their times.
@Suite("chat-client's first hour in a pipe", .timeLimit(.minutes(2)))
struct FirstHourProcessTests {
    @Test("the host's room closes: the guest says so and exits 0 instead of reconnecting forever")
    func roomClosed() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let guest = try ClientProcess(["--port", "\(server.port)", "--name", "guest"])
            try await guest.output.waitFor("the guest's join") { $0.contains("guest joined the chat\n") }
            server.server.beginShutdown(message: RoomClosing.message)
            #expect(try await guest.exitStatus() == 0)
            let lines = guest.output.text.split(separator: "\n").map(String.init)
            #expect(
                lines.suffix(2) == [
                    "*** the room is closing: the host left", "*** the room is closed; not reconnecting",
                ])
            #expect(!guest.output.text.contains("reconnecting in"))
        }
    }

    @Test("--timestamps: live lines in a pipe start with their local date and time")
    func timestamps() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withRunningServer(database: dir.file("chat.sqlite")) { server in
            let client = try ClientProcess(["--port", "\(server.port)", "--name", "stamp", "--timestamps"])
            try client.type("on time")
            try await client.output.waitFor("the echo") { $0.contains("stamp: on time\n") }
            try client.closeInput()
            #expect(try await client.exitStatus() == 0)
            let line = try #require(client.output.text.split(separator: "\n").first { $0.hasSuffix("stamp: on time") })
            #expect(line.wholeMatch(of: /\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] stamp: on time/) != nil, "\(line)")
        }
    }
}

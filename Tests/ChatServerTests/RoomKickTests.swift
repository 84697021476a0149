import ChatModel
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// A room operator's kick (IRC's `KICK #room nick`) from the other doors, on real sockets: plain
/// `/remove NAME [REASON]` and the JSON `room_kick` request, recorded as `room_kick` events.
@Suite("Room kick from the plain and JSON doors", .timeLimit(.minutes(1)))
struct RoomKickTests {
    @Test("plain /remove: the room's operator puts bob out of #dev only; a non-operator is refused; /kick unchanged")
    func plainRemove() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        try await withServer(database: database) { server in
            let alice = try await plainMember("alice", port: server.port, in: "dev")
            let bob = try await plainMember("bob", port: server.port, in: "dev")

            try await bob.send("/remove alice")
            try await bob.expect { $0 == "error: only the operators of #dev may do that; nothing was changed." }
            try await alice.send("/remove")
            try await alice.expect { $0 == "usage: /remove NAME [REASON]" }
            try await alice.send("/remove nobody")
            try await alice.expect { $0.hasPrefix("error: ") && $0.contains("nobody") }

            try await alice.send("/remove bob off topic")
            try await alice.expect { $0 == "alice put bob out of the room: off topic" }
            // bob is told who and why, then where his lines go now.
            try await bob.expect { $0 == "alice put bob out of the room: off topic" }
            try await bob.expect { $0 == "*** You are no longer in #dev. Lines you type go to #main." }
            try await bob.send("still here")
            try await bob.expect { $0 == "bob: still here" }
            try await bob.send("/switch dev")
            try await bob.expect { $0 == "error: you are not in #dev; /join dev enters it." }
            // `/kick` is still the server operators' kick out of the server.
            try await bob.send("/kick alice")
            try await bob.expect { $0 == "error: only operators may do that." }
        }
        let kicks = try EventReader(path: database).events(EventFilter(kinds: [.roomKick]))
        #expect(kicks.map { "\($0.room) \($0.user) \($0.target ?? "") \($0.text)" } == ["dev alice bob off topic"])
    }

    @Test("plain: put out of one's only room, one is told so, and what one types then points at /join")
    func putOutOfTheOnlyRoom() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(database: dir.file("chat.sqlite")) { server in
            let alice = try await plainMember("alice", port: server.port, in: "dev")
            let carol = try await plainMember("carol", port: server.port, in: "dev")
            try await carol.send("/part main")
            try await carol.expect { $0 == "*** You left #main. Lines you type go to #dev." }

            try await alice.send("/remove carol")
            try await carol.expect { $0 == "alice put carol out of the room" }
            try await carol.expect {
                $0 == "*** You are no longer in #dev, nor in any room: /join ROOM enters one, /rooms lists them."
            }
            try await carol.send("anyone?")
            try await carol.expect { $0 == "error: you are not in #main; /join main enters it." }
            try await carol.send("/join main")
            try await carol.expect { $0.hasPrefix("*** You are in #main now") }
            try await carol.send("back")
            try await carol.expect { $0 == "carol: back" }
        }
    }

    @Test("JSON room_kick: the operator puts erin out of a named room; refused for others; a room_kick event")
    func jsonRoomKick() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        try await withServer(database: database) { server in
            let dora = try await jsonMember("dora", port: server.port)
            try await dora.send(#"{"type":"join","room":"ops"}"#)
            try await dora.expect { $0.hasPrefix(#"{"type":"history_end","room":"ops""#) }
            let erin = try await jsonMember("erin", port: server.port)
            try await erin.send(#"{"type":"join","room":"ops"}"#)
            try await erin.expect { $0.hasPrefix(#"{"type":"history_end","room":"ops""#) }

            try await erin.send(#"{"type":"room_kick","name":"dora","room":"ops"}"#)
            try await erin.expect { $0.contains(#""code":"not_room_operator""#) }
            try await dora.send(#"{"type":"room_kick","room":"ops"}"#)
            try await dora.expect { $0.contains(#""code":"malformed""#) && $0.contains("name") }

            try await dora.send(#"{"type":"room_kick","name":"erin","room":"ops","reason":"off topic"}"#)
            for client in [dora, erin] {
                try await client.expect {
                    $0.contains(#""kind":"room_kick""#) && $0.contains(#""target":"erin""#)
                        && $0.contains(#""text":"off topic""#)
                }
            }
            try await erin.send(#"{"type":"say","room":"ops","text":"still here?"}"#)
            try await erin.expect { $0.contains(#""code":"not_in_room""#) }
            try await erin.send(#"{"type":"say","room":"main","text":"in main"}"#)
            try await erin.expect { $0.contains(#""kind":"message""#) && $0.contains(#""text":"in main""#) }
        }
        let kicks = try EventReader(path: database).events(EventFilter(kinds: [.roomKick]))
        #expect(kicks.map { "\($0.room) \($0.user) \($0.target ?? "") \($0.text)" } == ["ops dora erin off topic"])
    }

    /// An nc user in the default room and in `room` (made by the first to join it, its operator).
    private func plainMember(_ name: String, port: Int, in room: String) async throws -> TestClient {
        let client = try await TestClient.join(port: port, as: name)
        try await client.send("/join \(room)")
        try await client.expect { $0.hasPrefix("*** You are in #\(room) now") }
        return client
    }

    /// A structured-mode client on a raw socket, past its welcome and catch-up.
    private func jsonMember(_ name: String, port: Int) async throws -> TestClient {
        let client = try await TestClient.connect(port: port)
        try await client.send(#"{"type":"hello","protocol":1,"name":"\#(name)"}"#)
        try await client.expect { $0.hasPrefix(#"{"type":"history_end""#) }
        return client
    }
}

import ChatCore
import ChatModel
import Testing

/// The directory's view of other nodes' members, kept from their committed events.
@Suite("ChatDirectory: other sessions' members")
struct ChatDirectoryOtherSessionsTests {
    /// Session 1 is this node; session 2 another node.
    let own: Int64 = 1
    let other: Int64 = 2

    private func directory() -> ChatDirectory {
        let directory = ChatDirectory(makeToken: { "t" })
        directory.followOtherSessions(ownSession: own)
        return directory
    }

    private func event(
        _ id: Int64, _ kind: EventKind, _ room: String, _ user: String, text: String = "", session: Int64? = nil,
        connection: Int64 = 7, reason: LeaveReason? = nil, target: String? = nil
    ) -> Event {
        Event(
            id: id, kind: kind, room: room, user: user, text: text, timeMillis: 1000 + id, session: session ?? other,
            connection: connection, reason: reason, target: target)
    }

    @Test("another node's join makes its room, with its topic; its member is listed, counted and found")
    func joinMakesRoom() {
        let directory = directory()
        directory.committed([
            event(1, .join, "lab", "alice"),
            event(2, .topic, "lab", "alice", text: "soldering"),
        ])
        #expect(directory.room("LAB") == "lab")
        #expect(directory.names(in: "lab") == ["alice"])
        #expect(directory.members(of: "lab").map(\.roles) == [[.operator]])
        #expect(directory.topic(of: "lab")?.text == "soldering")
        #expect(directory.summaries().map(\.name) == ["main", "lab"])
        #expect(directory.summaries().last == RoomSummary(name: "lab", members: 1, topic: "soldering"))
        #expect(directory.anyone("ALICE") == "alice")
        // The names of the server stay this node's.
        #expect(directory.person("alice") == nil)
        #expect(directory.count == 0)
    }

    @Test("a local member and another node's share a room: the first in is its operator, on either node")
    func sharedRoom() {
        let directory = directory()
        directory.committed([event(1, .join, "main", "alice")])
        _ = directory.admit(3, as: "bob")
        _ = directory.enter(3, named: "bob", room: "main", maxRooms: 10)
        #expect(directory.names() == ["alice", "bob"])
        #expect(directory.roles(of: 3, in: "main") == [])
        #expect(directory.members(of: "main").first { $0.name == "alice" }?.roles == [.operator])
        // A role given by a mode event to the other node's member.
        directory.committed([event(2, .mode, "main", "alice", text: "+v", session: own, target: "alice")])
        #expect(directory.members(of: "main").first { $0.name == "alice" }?.roles == [.operator, .voice])
    }

    @Test("a join of another node committed before this node's member's: the operator's role is its")
    func firstJoinInTheRecord() {
        let directory = directory()
        _ = directory.admit(3, as: "bob")
        // bob enters first here, but alice's join is committed before his.
        _ = directory.enter(3, named: "bob", room: "lab", maxRooms: 10)
        #expect(directory.roles(of: 3, in: "lab") == [.operator])
        directory.committed([
            event(1, .join, "lab", "alice"),
            event(2, .join, "lab", "bob", session: own, connection: 3),
        ])
        #expect(directory.roles(of: 3, in: "lab") == [])
        #expect(directory.members(of: "lab").map(\.roles) == [[.operator], []])
        // bob's join committed first: he keeps it.
        _ = directory.enter(3, named: "bob", room: "ops", maxRooms: 10)
        directory.committed([
            event(3, .join, "ops", "bob", session: own, connection: 3),
            event(4, .join, "ops", "alice"),
        ])
        #expect(directory.roles(of: 3, in: "ops") == [.operator])
        #expect(directory.members(of: "ops").map(\.roles) == [[], [.operator]])
    }

    @Test("another node's renames, leaves, room kicks and the leaves of its reap take its members out")
    func renamesAndLeaves() {
        let directory = directory()
        directory.committed([
            event(1, .join, "main", "alice", connection: 7),
            event(2, .join, "lab", "alice", connection: 7),
            event(3, .join, "lab", "carol", connection: 8),
            event(4, .join, "ops", "dave", connection: 9),
            event(5, .rename, "main", "alice", text: "alicia", connection: 7),
            event(6, .rename, "lab", "alice", text: "alicia", connection: 7),
        ])
        #expect(directory.names() == ["alicia"])
        #expect(directory.names(in: "lab") == ["alicia", "carol"])
        #expect(directory.anyone("alice") == nil)
        directory.committed([
            event(7, .leave, "main", "alicia", connection: 7, reason: .part),
            event(8, .roomKick, "lab", "carol", text: "out", connection: 8, target: "alicia"),
            // A reap records the leaves of the dead node's members with their connections.
            event(9, .leave, "ops", "dave", connection: 9, reason: .connectionLost),
        ])
        #expect(directory.names() == [])
        #expect(directory.names(in: "lab") == ["carol"])
        #expect(directory.names(in: "ops") == [])
        #expect(directory.summaries().map(\.members) == [0, 1, 0])
    }

    @Test("this node's own events change no member; its own are the directory's")
    func ownEventsIgnored() {
        let directory = directory()
        directory.committed([event(1, .join, "lab", "bob", session: own, connection: 3)])
        #expect(directory.room("lab") == nil)
        #expect(directory.names() == [])
    }

    @Test("events taken twice (the seed and the follower overlap) change nothing more")
    func idempotent() {
        let directory = directory()
        let events = [
            event(1, .join, "lab", "alice", connection: 7),
            event(2, .join, "lab", "carol", connection: 8),
            event(3, .rename, "lab", "carol", text: "caro", connection: 8),
            event(4, .topic, "lab", "alice", text: "t"),
            event(5, .join, "ops", "alice", connection: 7),
            event(6, .leave, "ops", "alice", connection: 7, reason: .part),
        ]
        directory.committed(events)
        let once = (directory.members(of: "lab"), directory.summaries())
        directory.committed(events)
        directory.committed(Array(events.suffix(3)))
        #expect(directory.members(of: "lab") == once.0)
        #expect(directory.summaries() == once.1)
        #expect(directory.names(in: "lab") == ["alice", "caro"])
    }

    @Test("without followOtherSessions (one node, SQLite) another session's join changes nothing")
    func notFollowing() {
        let directory = ChatDirectory(makeToken: { "t" })
        directory.committed([event(1, .join, "lab", "alice"), event(2, .topic, "main", "alice", text: "hi")])
        #expect(directory.room("lab") == nil)
        #expect(directory.names() == [])
        #expect(directory.topic(of: "main")?.text == "hi")
    }
}

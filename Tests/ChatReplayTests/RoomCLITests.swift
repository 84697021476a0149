import ChatModel
import ChatProtocol
import ChatReplay
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// `chat-replay` on a session in two rooms with private messages: counts per room, `--room` and
/// `--include-private` as a user types them.
@Suite struct RoomCLITests {
    @Test func sessionsCountPerRoomAndPrivateApartWithoutTheirText() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await record(RoomsFixture.events, at: directory.file("chat.sqlite"))
        let table = try await runCLI(["sessions"], in: directory.path)
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The session row, an empty line, the rooms of session 1: #dev, #main, then the private row.
        #expect(lines.count == 8, "\(table.stdout)")
        #expect(lines[3] == "SESSION  ROOM     MESSAGES  JOINS  LEAVES")
        #expect(lines[4] == "      1  #dev            2      2       2")
        #expect(lines[5] == "      1  #main           2      2       2")
        #expect(lines[6] == "      1  private         2      -       -")
        #expect(!table.stdout.contains("lunch"))

        let json = try await runCLI(["sessions", "--json"], in: directory.path)
        #expect(!json.stdout.contains("lunch"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let session = try #require((document["sessions"] as? [[String: Any]])?.first)
        #expect(session["private_messages"] as? Int == 2)
        let rooms = try #require(session["rooms"] as? [[String: Any]])
        #expect(rooms.map { $0["room"] as? String } == ["dev", "main"])
        #expect(rooms.map { $0["messages"] as? Int } == [2, 2])
        #expect(rooms.map { $0["joins"] as? Int } == [2, 2])
        #expect(rooms.map { $0["leaves"] as? Int } == [2, 2])
    }

    @Test func exportAndReplayOneRoomOrWithPrivateMessages() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await record(RoomsFixture.events, at: directory.file("chat.sqlite"))

        let dev = try await runCLI(["export", "--room", "#DEV", "--format", "csv"], in: directory.path)
        #expect(dev.status == 0, "\(dev.stderr)")
        let rows = dev.stdout.split(separator: "\r\n").dropFirst()
        #expect(rows.count == 8)
        #expect(rows.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false)[3] == "dev" })
        #expect(dev.stderr.hasPrefix("exported 8 events"))

        let withPrivate = try await runCLI(["export", "--include-private", "--format", "ndjson"], in: directory.path)
        let events = try withPrivate.stdout.split(separator: "\n").map { try EventJSON.decode($0) }
        #expect(events.count == 17)
        #expect(events.filter(\.isPrivate).map { "\($0.user)>\($0.recipient ?? "")" } == ["alice>bob", "robert>alice"])
        let without = try await runCLI(["export", "--format", "ndjson"], in: directory.path)
        #expect(without.stdout.split(separator: "\n").count == 15)
        #expect(!without.stdout.contains("recipient"))

        let replay = try await runCLI(["replay", "--instant", "--room", "main"], in: directory.path)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.split(separator: "\n").count == 7)
        #expect(replay.stdout.contains("] bob is now known as robert\n") && !replay.stdout.contains("#"))
        let all = try await runCLI(["replay", "--instant", "--include-private"], in: directory.path)
        #expect(all.stdout.contains("] [#dev] bob: shipping #42\n"))
        #expect(all.stdout.contains("] robert to alice (private): yes\n"))
        let unknown = try await runCLI(["replay", "--instant", "--room", "ops"], in: directory.path)
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "chat-replay: error: chat.sqlite: no room #ops (rooms: #dev, #main)\n")
    }
}

@Suite struct RoomFollowTests {
    /// Follows `selection` from the start of the fixture until `count` events came.
    static func follow(_ selection: RoomSelection, count: Int) async throws -> [Event] {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("chat.sqlite")
        try await record(RoomsFixture.events, at: path)
        let reader = try EventReader(path: path)
        var follower = Follower(
            source: reader, after: 0,
            filter: try await selection.apply(to: EventFilter(), source: reader, path: path, missingOK: true))
        follower.interval = .milliseconds(10)
        var seen: [Event] = []
        let deadline = ContinuousClock.now + .seconds(10)
        try await follower.run(
            stopWhen: { seen.count >= count || ContinuousClock.now > deadline }, emit: { seen.append($0) })
        return seen
    }

    @Test func followsOneRoomAndPrivateMessagesOnlyWhenAsked() async throws {
        let dev = try await Self.follow(RoomSelection(room: "#dev"), count: 8)
        #expect(dev.count == 8 && dev.allSatisfy { $0.room == "dev" })
        let everything = try await Self.follow(RoomSelection(includePrivate: true), count: 17)
        #expect(everything.filter(\.isPrivate).count == 2)
        let noPrivate = try await Self.follow(RoomSelection(), count: 15)
        #expect(noPrivate.count == 15 && noPrivate.allSatisfy { !$0.isPrivate })
        // A room that does not exist yet can be followed: nothing comes.
        let later = try await Self.follow(RoomSelection(room: "later"), count: 0)
        #expect(later.isEmpty)
    }
}

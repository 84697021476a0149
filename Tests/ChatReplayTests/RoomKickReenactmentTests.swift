import ChatModel
import ChatReplay
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// A room operator's kick re-enacted against a real server: the observer, which made the room on
/// the target and so is its operator, puts the member out, and `--verify` counts that as the
/// original operator's kick.
@Suite struct RoomKickReenactmentTests {
    /// alice and bob in main and dev; alice puts bob out of dev; bob speaks in main; both quit.
    static let events: [NewEvent] = [
        NewEvent(kind: .join, user: "alice", connection: 1),
        NewEvent(kind: .join, user: "bob", connection: 2),
        NewEvent(kind: .join, room: "dev", user: "alice", connection: 1),
        NewEvent(kind: .join, room: "dev", user: "bob", connection: 2),
        NewEvent(kind: .message, room: "dev", user: "bob", text: "buy my stuff", connection: 2),
        NewEvent(kind: .roomKick, room: "dev", user: "alice", text: "spam", connection: 1, target: "bob"),
        NewEvent(kind: .message, user: "bob", text: "sorry", connection: 2),
        NewEvent(kind: .leave, user: "bob", connection: 2, reason: .quit),
        NewEvent(kind: .leave, user: "alice", connection: 1, reason: .quit),
        NewEvent(kind: .leave, room: "dev", user: "alice", connection: 1, reason: .quit),
    ]

    @Test func aRoomKickIsReenactedByTheObserverAndVerifiesWithoutDifferences() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        let recorded = try await record(Self.events, at: original)
        let target = directory.file("target.sqlite")
        try await withServer(database: target) { server in
            let (byDatabase, byObserver) = try await reenactAndVerifyBothWays(
                original, port: server.port, target: target, in: directory.path)
            #expect(byDatabase.status == 0, "\(byDatabase.stdout)\(byDatabase.stderr)")
            #expect(
                byDatabase.stdout.contains("verify: no differences (\(recorded.count) events; target in \(target))"),
                "\(byDatabase.stdout)")
            #expect(byObserver.status == 0, "\(byObserver.stdout)\(byObserver.stderr)")
            #expect(
                byObserver.stdout.contains(
                    "verify: no differences (\(recorded.count) events; target as the observer saw it)"),
                "\(byObserver.stdout)")
        }
        // On the target the observer did the kicks, one a run.
        let kicks = try EventReader(path: target).events(EventFilter(kinds: [.roomKick]))
        #expect(
            kicks.map { "\($0.room) \($0.user) \($0.target ?? "") \($0.text)" } == [
                "dev replay-observer bob spam", "dev replay-observer bob spam",
            ])
    }
}

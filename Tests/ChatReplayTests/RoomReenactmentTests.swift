import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@testable import ChatReplay

/// Re-enacts the two-room session (joins, a topic, a rename, private messages, a part, a quit's
/// leave in each room) against a real server, and checks what it recorded room by room.
@Suite struct RoomReenactmentTests {
    /// The keys of `events` without the observer's, by scope, in order.
    static func byScope(_ keys: [EventKey]) -> [String: [EventKey]] {
        Dictionary(grouping: keys, by: \.scope)
    }

    @Test func multiRoomSessionReenactsWithoutDifferences() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        let recorded = try await record(RoomsFixture.events, at: original)
        let target = directory.file("target.sqlite")
        try await withServer(database: target) { server in
            let (byDatabase, byObserver) = try await reenactAndVerifyBothWays(
                original, port: server.port, target: target, in: directory.path)
            #expect(byDatabase.status == 0, "\(byDatabase.stdout)\(byDatabase.stderr)")
            #expect(byDatabase.stdout.contains("verify: no differences (17 events; target in \(target))"))
            #expect(byDatabase.stdout.contains("] [#dev] alice set the topic: deploys at 5 <b>\n"))
            #expect(byDatabase.stdout.contains("] robert to alice (private): yes\n"))
            #expect(byObserver.status == 0, "\(byObserver.stdout)\(byObserver.stderr)")
            #expect(byObserver.stdout.contains("verify: no differences (17 events; target as the observer saw it)"))
        }
        // The target recorded the same events, room by room, twice; the observer's own aside.
        let replayed = try EventReader(path: target).events(EventFilter(includePrivate: true)).filter {
            $0.user != "replay-observer"
        }
        let expected = Self.byScope(recorded.map { EventKey($0) })
        let twice = expected.mapValues { $0 + $0 }
        #expect(Self.byScope(replayed.map { EventKey($0) }) == twice)
        #expect(replayed.filter { $0.reason == .part }.map(\.user) == ["alice", "alice"])
    }

    @Test func aRecordWithoutConnectionNumbersKnowsParticipantsByNameAcrossARename() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        try await record(
            RoomsFixture.events.map {
                var event = $0
                event.connection = nil
                return event
            }, at: original)
        let target = directory.file("target.sqlite")
        try await withServer(database: target) { server in
            let result = try await runCLI(
                [
                    "replay", "--database", original, "--to", "127.0.0.1:\(server.port)", "--instant", "--verify",
                    "--target-database", target,
                ], in: directory.path)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("verify: no differences (17 events; target in \(target))"))
        }
    }

    @Test func aNameTakenOnTheTargetIsOneRenameAndPrivateMessagesFollowIt() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        try await record(RoomsFixture.events, at: original)
        let target = directory.file("target.sqlite")
        try await withServer(database: target) { server in
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "alice", history: 0) {
                squatter in
                let result = try await runCLI(
                    [
                        "replay", "--database", original, "--to", "127.0.0.1:\(server.port)", "--instant", "--verify",
                        "--target-database", target,
                    ], in: directory.path)
                #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
                #expect(result.stdout.contains("renamed: alice -> alice2\n"))
                #expect(result.stdout.contains("verify: 1 difference"), "\(result.stdout)")
                try await squatter.quit()
            }
        }
        // robert's private message went to the re-enacted alice, under the name she got.
        let privates = try EventReader(path: target).events(EventFilter(includePrivate: true)).filter(\.isPrivate)
        #expect(privates.map { "\($0.user)>\($0.recipient ?? "")" } == ["alice2>bob", "robert>alice2"])
    }

    @Test func aBrokenReenactmentReportsTheDifferenceInItsRoom() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        let recorded = try await record(RoomsFixture.events, at: original)
        try await withServer(database: directory.file("target.sqlite")) { server in
            // A re-enactment that leaves the topic out, and says "shipping #43" instead of #42.
            var remaining = recorded.filter { $0.kind != .topic }[...]
            let reenactor = Reenactor(
                target: LoopbackAddress(host: "127.0.0.1", port: server.port), timing: ReplayTiming(instant: true))
            let outcome = try await reenactor.run(next: {
                guard var event = remaining.popFirst() else { return nil }
                if event.text == "shipping #42" { event.text = "shipping #43" }
                return event
            })
            let differences = Verification.compareByRoom(
                original: recorded.map { EventKey($0) }, target: outcome.targetKeys(outcome.observed),
                renames: outcome.renames)
            let topic = EventKey(kind: .topic, room: "dev", user: "alice", text: "deploys at 5 <b>")
            let sent = EventKey(kind: .message, room: "dev", user: "bob", text: "shipping #42")
            let said = EventKey(kind: .message, room: "dev", user: "bob", text: "shipping #43")
            #expect(
                differences == [
                    .scoped("#dev", .missing(topic, position: 2)), .scoped("#dev", .extra(said, position: 3)),
                    .scoped("#dev", .missing(sent, position: 4)),
                ], "\(differences)")
            #expect(
                differences.map(\.description) == [
                    "#dev: missing: #2 topic alice \"deploys at 5 <b>\"",
                    "#dev: extra: #3 message bob: \"shipping #43\"",
                    "#dev: missing: #4 message bob: \"shipping #42\"",
                ])
        }
    }

    /// carol arrives in #r1 (not #main) and goes through six rooms: her hello asks for #r1, and
    /// the observer, who makes each room on the target, is held to the target's pace of room
    /// making (five at once, then one every 5 s; a refused one counts), so this takes about 10 s.
    @Test func aFirstRoomOtherThanMainAndMoreRoomsThanTheTargetMakesAtOnce() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        let rooms = (1...6).map { "r\($0)" }
        var events: [NewEvent] = []
        for room in rooms {
            events.append(NewEvent(kind: .join, room: room, user: "carol", connection: 3))
            events.append(NewEvent(kind: .message, room: room, user: "carol", text: "hi \(room)", connection: 3))
        }
        for room in rooms {
            events.append(NewEvent(kind: .leave, room: room, user: "carol", connection: 3, reason: .quit))
        }
        try await record(events, at: original)
        let target = directory.file("target.sqlite")
        try await withServer(database: target) { server in
            let result = try await runCLI(
                [
                    "replay", "--database", original, "--to", "127.0.0.1:\(server.port)", "--instant", "--verify",
                    "--target-database", target, "--connect-timeout", "10",
                ], in: directory.path)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("verify: no differences (18 events; target in \(target))"))
        }
        let carol = try EventReader(path: target).events(EventFilter(users: ["carol"]))
        #expect(carol.first.map { EventKey($0) } == EventKey(kind: .join, room: "r1", user: "carol"))
        #expect(!carol.contains { $0.room == Room.defaultName })
    }

    /// Records a session on a real server, as people make it: alice and bob in #main and #dev, a
    /// topic, a private message, bob becomes robert, alice parts #dev, both quit. Each step waits
    /// until the server has recorded it.
    static func recordRoomSession(at path: String) async throws {
        try await withServer(database: path) { server in
            let port = server.port
            let count = Counter()
            func recorded(_ more: Int) async throws {
                let expected = count.add(more)
                try await eventually("\(expected) events") {
                    try EventReader(path: path).events(EventFilter(includePrivate: true)).count == expected
                }
            }
            try await ChatConnection.withConnection(host: "127.0.0.1", port: port, name: "alice", history: 0) { alice in
                try await recorded(1)
                try await alice.send(.join(room: "dev"))
                try await recorded(1)
                try await alice.send(.topic(room: "dev", text: "deploys at 5"))
                try await recorded(1)
                try await ChatConnection.withConnection(host: "127.0.0.1", port: port, name: "bob", history: 0) { bob in
                    try await recorded(1)
                    try await bob.send(.join(room: "dev"))
                    try await recorded(1)
                    try await bob.send(.say("shipping", room: "dev"))
                    try await recorded(1)
                    try await alice.send(.msg(to: "bob", text: "lunch?"))
                    try await recorded(1)
                    try await bob.send(.nick("robert"))
                    try await recorded(2)  // in #main and in #dev
                    try await bob.send(.me("deploys", room: "dev"))
                    try await recorded(1)
                    try await alice.send(.part(room: "dev"))
                    try await recorded(1)
                    try await bob.quit()
                }
                try await recorded(2)  // robert's leaves of #main and #dev
                try await alice.quit()
            }
            try await recorded(1)
        }
    }

    @Test func aSessionRecordedByTheServerReenactsWithoutDifferences() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        try await Self.recordRoomSession(at: original)
        let recorded = try EventReader(path: original).events(EventFilter(session: 1, includePrivate: true))
        #expect(
            recorded.map(\.kind) == [
                .join, .join, .topic, .join, .join, .message, .message, .rename, .rename, .action, .leave, .leave,
                .leave, .leave,
            ])
        let target = directory.file("target.sqlite")
        try await withServer(database: target) { server in
            let result = try await runCLI(
                [
                    "replay", "--database", original, "--to", "127.0.0.1:\(server.port)", "--speed", "50", "--verify",
                    "--target-database", target,
                ], in: directory.path)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("verify: no differences (14 events; target in \(target))"))
        }
    }
}

/// A count shared with the waits of a recording.
final class Counter: Sendable {
    private let value = Locked(0)

    func add(_ more: Int) -> Int {
        value.withLock {
            $0 += more
            return $0
        }
    }
}

@Suite struct RoomVerificationTests {
    let join = EventKey(kind: .join, user: "a")
    let hi = EventKey(kind: .message, user: "a", text: "hi")
    let devJoin = EventKey(kind: .join, room: "dev", user: "a")
    let devHi = EventKey(kind: .message, room: "Dev", user: "a", text: "hi")
    let psst = EventKey(kind: .message, room: Room.privateName, user: "a", text: "psst", recipient: "b")

    @Test func eachRoomInItsOwnOrder() {
        // Interleaved differently across rooms, the same within each: no difference.
        #expect(
            Verification.compareByRoom(
                original: [join, devJoin, hi, devHi, psst], target: [join, hi, psst, devJoin, devHi]
            )
            .isEmpty)
        #expect(
            Verification.compareByRoom(original: [join, devJoin, devHi], target: [join, devHi, devJoin]).map(
                \.description)
                == ["#dev: reordered: join a (original #1, target #2)"])
        #expect(
            Verification.compareByRoom(original: [join, psst], target: [join]).map(\.description)
                == ["private: missing: #1 message a to b: \"psst\""])
    }

    @Test func oneRoomReadsAsBefore() {
        #expect(
            Verification.compareByRoom(original: [join, hi], target: [join], renames: [(from: "a", to: "a2")])
                == [.renamed(from: "a", to: "a2"), .missing(hi, position: 2)])
    }
}

@Suite struct RoomPaceTests {
    @Test func theWaitIsReadFromTheRefusal() {
        #expect(RoomPace.retrySeconds("error: you are making new rooms too fast; try again in 5 s.") == 5)
        #expect(RoomPace.retrySeconds("error: you are making new rooms too fast; try again in 999 s.") == 120)
        #expect(RoomPace.retrySeconds("error: you are in 20 rooms, the limit; /part one first.") == nil)
    }
}

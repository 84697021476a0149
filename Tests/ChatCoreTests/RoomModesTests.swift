import ChatCore
import ChatModel
import ChatTestSupport
import Testing

/// A room's modes and roles in the core, whatever the door: who may change them, what they
/// refuse, what is recorded, and what an empty room forgets.
@Suite("Core: room modes and roles")
struct RoomModesTests {
    @Test("the first in a room is its operator; only operators change modes; no-op changes record nothing")
    func operators() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let alice = try await CoreDriver.joined(harness, connection: 1, as: "alice")
        let bob = try await CoreDriver.joined(harness, connection: 2, as: "bob")
        let members = harness.core.directory.members(of: "main")
        #expect(members.map(\.name) == ["alice", "bob"])
        #expect(members.map(\.roles) == [[.operator], []])

        await bob.send(.request(.mode(room: "main", changes: [.flag(.topicLocked, on: true)])))
        #expect(bob.replies.last == .error(.notRoomOperator("main")))
        await alice.send(
            .request(
                .mode(
                    room: "main",
                    changes: [
                        .flag(.topicLocked, on: true), .flag(.topicLocked, on: true),
                        .role(.voice, on: true, name: "BOB"),
                    ])))
        await alice.send(.request(.mode(room: "main", changes: [.role(.operator, on: true, name: "carol")])))
        #expect(alice.replies.last == .error(.noSuchName("carol")))
        #expect(harness.core.directory.flags(of: "main") == [.topicLocked])
        #expect(harness.core.directory.roles(of: 2, in: "main") == [.voice])
        let modes = try harness.recorded().filter { $0.kind == .mode }
        #expect(modes.map { "\($0.user) \($0.text) \($0.target ?? "-")" } == ["alice +t -", "alice +v bob"])
        #expect(EventWords(modes[1]).plain == "alice gave a voice in the room to bob")
    }

    @Test(
        "+t refuses a non-operator's topic, +m an unvoiced member's message and notice; an operator of the server may")
    func enforced() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let alice = try await CoreDriver.joined(harness, connection: 1, as: "alice")
        let bob = try await CoreDriver.joined(harness, connection: 2, as: "bob")
        await alice.send(
            .request(.mode(room: "main", changes: [.flag(.topicLocked, on: true), .flag(.moderated, on: true)])))
        await bob.send(.request(.topic(room: nil, text: "mine")))
        #expect(bob.replies.last == .error(.notRoomOperator("main")))
        await bob.send(.request(.topic(room: nil, text: nil)))
        #expect(bob.replies.last == .topic(room: "main", text: "", by: nil, timeMillis: nil))
        await bob.send(.request(.say("hello")))
        #expect(bob.replies.last == .error(.moderatedRoom("main")))
        await bob.send(.request(.notice("hello")))
        #expect(bob.replies.last == .error(.moderatedRoom("main")))
        await alice.send(.request(.mode(room: "main", changes: [.role(.voice, on: true, name: "bob")])))
        await bob.send(.request(.say("voiced")))
        let said = try harness.recorded().filter { $0.kind == .message }.map(\.text)
        #expect(said == ["voiced"])
    }

    @Test("an empty room forgets its modes and roles; secret rooms are listed only to their members")
    func forgetsAndHides() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let alice = try await CoreDriver.joined(harness, connection: 1, as: "alice")
        let bob = try await CoreDriver.joined(harness, connection: 2, as: "bob")
        await alice.send(.request(.enter("dev")))
        await alice.send(.request(.mode(room: "dev", changes: [.flag(.secret, on: true)])))
        await bob.send(.request(.rooms))
        guard case .rooms(let listed) = bob.replies.last else {
            Issue.record("no room list: \(bob.replies)")
            return
        }
        #expect(listed.map(\.name) == ["main"])
        await alice.send(.request(.rooms))
        guard case .rooms(let own) = alice.replies.last else {
            Issue.record("no room list: \(alice.replies)")
            return
        }
        #expect(own.map(\.name) == ["main", "dev"])

        await alice.send(.request(.part("dev")))
        #expect(harness.core.directory.flags(of: "dev").isEmpty)
        await bob.send(.request(.enter("dev")))
        #expect(harness.core.directory.roles(of: 2, in: "dev") == [.operator])
    }
}

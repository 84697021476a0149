import ChatCore
import ChatModel
import ChatStore
import Testing

/// Names shared across nodes (`CoreConfiguration.namesShared`): two cores, each with its own
/// directory, claim names in one `LocalPresence`, as two PostgreSQL nodes do in theirs.
@Suite("Core: names shared across nodes — two cores, one presence", .timeLimit(.minutes(1)))
struct SharedNamesTests {
    @Test("a name held on the other node: a hello is numbered past it, an exact one refused, a rename refused")
    func takenElsewhere() async throws {
        let (nodeA, nodeB) = (try CoreHarness { $0.namesShared = true }, try CoreHarness { $0.namesShared = true })
        defer {
            nodeA.close()
            nodeB.close()
        }
        let presence = LocalPresence()
        let sam = try await joined(nodeA, 1, "sam", presence)
        #expect(sam.name == "sam")
        let other = try await joined(nodeB, 2, "SAM", presence)
        #expect(other.name == "SAM2")
        #expect(
            other.replies.contains(.notice(.nameChanged(NameChange(cleaning: .kept, requested: "SAM", name: "SAM2")))))
        // Free on node B itself: only the other node's claim refuses it.
        #expect(nodeB.core.directory.person("sam") == nil)

        let exact = CoreDriver(nodeB, connection: 3, presence: presence)
        await exact.apply { $0.start() }
        await exact.send(.request(.join(JoinRequest(name: "sam", exactName: true))))
        #expect(exact.replies.last == .error(.nameTaken("sam")))
        #expect(exact.machine.state == .naming)
        await exact.send(.request(.join(JoinRequest(name: "max", exactName: true))))
        #expect(exact.name == "max")

        await other.send(.request(.rename("Sam")))
        #expect(other.replies.last == .error(.nameTaken("Sam")))
        #expect(nodeB.core.directory.person("SAM2") == "SAM2")
        await other.send(.request(.rename("kim")))
        #expect(other.replies.last == .renamed(from: "SAM2", to: "kim"))
        #expect(presence.holder(of: "kim")?.connection == 2)
        #expect(presence.holder(of: "SAM2") == nil)
    }

    @Test("a private message to a name held on the other node is recorded for its holder; to nobody, refused")
    func privateMessageElsewhere() async throws {
        let (nodeA, nodeB) = (try CoreHarness { $0.namesShared = true }, try CoreHarness { $0.namesShared = true })
        defer {
            nodeA.close()
            nodeB.close()
        }
        let presence = LocalPresence()
        _ = try await joined(nodeA, 1, "sam", presence)
        let kim = try await joined(nodeB, 2, "kim", presence)
        await kim.send(.request(.tagged(.privateMessage(to: "SAM", text: "hi"), clientTags: "+draft/x=1")))
        let sent = try #require(nodeB.committed.last)
        #expect(sent.kind == .message)
        #expect(sent.recipient == "sam")
        #expect(sent.clientTags == "+draft/x=1")
        await kim.send(.request(.privateMessage(to: "nobody", text: "hi")))
        #expect(kim.replies.last == .error(.noSuchName("nobody")))
        await kim.send(.request(.privateMessage(to: "sam", text: "again")))
        #expect(nodeB.committed.last?.text == "again")
    }

    private func joined(
        _ harness: CoreHarness, _ connection: Int64, _ name: String, _ presence: LocalPresence
    ) async throws -> CoreDriver {
        let driver = CoreDriver(harness, connection: connection, presence: presence)
        await driver.apply { $0.start() }
        await driver.send(.request(.join(JoinRequest(name: name))))
        return driver
    }
}

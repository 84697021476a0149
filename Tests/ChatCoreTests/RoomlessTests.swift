import ChatCore
import ChatModel
import ChatTestSupport
import Testing

/// The hello of a client that joins its rooms itself (an IRC client): no room at first, its exact
/// name or a refusal, every room partable; and the windows of history it asks for.
@Suite("Core: roomless hellos and history windows")
struct RoomlessTests {
    @Test("a roomless hello is welcomed in no room, joins and parts rooms, may leave them all, and quits")
    func roomless() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let driver = CoreDriver(harness, connection: 1)
        await driver.apply { $0.start() }
        await driver.send(.request(.join(JoinRequest(name: "alice", roomless: true, exactName: true))))
        #expect(driver.name == "alice")
        guard case .live(let member, waiting: nil) = driver.machine.state else {
            Issue.record("not live: \(driver.machine.state)")
            return
        }
        #expect(member.rooms.isEmpty)
        #expect(harness.core.directory.names(in: "main").isEmpty)
        await driver.send(.request(.say("to nowhere")))
        await driver.send(.request(.enter("dev")))
        await driver.send(.request(.say("hello dev", room: "dev")))
        await driver.send(.request(.part("dev")))
        guard case .live(let after, waiting: nil) = driver.machine.state else {
            Issue.record("not live after the part: \(driver.machine.state)")
            return
        }
        #expect(after.rooms.isEmpty)
        #expect(!driver.replies.contains(.error(.lastRoom("dev"))))
        await driver.send(.request(.quit()))
        let kinds = try harness.recorded().map { "\($0.kind.rawValue) \($0.room) \($0.text)" }
        #expect(kinds == ["join dev ", "message dev hello dev", "leave dev "])
    }

    @Test("an exact-name hello for a taken name (any case, or a lookalike) is refused, and may try another")
    func exactName() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        _ = try await CoreDriver.joined(harness, connection: 1, as: "alice")
        let driver = CoreDriver(harness, connection: 2)
        await driver.apply { $0.start() }
        await driver.send(.request(.join(JoinRequest(name: "ALICE", roomless: true, exactName: true))))
        #expect(driver.replies == [.greeting, .error(.nameTaken("ALICE"))])
        #expect(driver.machine.state == .naming)
        await driver.send(.request(.join(JoinRequest(name: "bob", roomless: true, exactName: true))))
        #expect(driver.name == "bob")
    }

    @Test("history windows: latest, before, after, around and between, by id and by time; messages only")
    func windows() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        var ids: [Int64] = []
        _ = try await harness.commit(NewEvent(kind: .join, room: "dev", user: "carol", timeMillis: 1_000))
        for n in 1...6 {
            let event = try await harness.commit(
                NewEvent(kind: .message, room: "dev", user: "carol", text: "m\(n)", timeMillis: Int64(n) * 1_000))
            ids.append(event.id)
        }
        _ = try await harness.commit(NewEvent(kind: .message, room: "other", user: "carol", text: "elsewhere"))
        func texts(_ window: HistoryQuery.Window, _ limit: Int) async throws -> [String] {
            try await harness.core.history(room: "dev", query: HistoryQuery(window, limit: limit)).map(\.text)
        }
        #expect(try await texts(.latest(after: nil), 2) == ["m5", "m6"])
        #expect(try await texts(.latest(after: .id(ids[3])), 10) == ["m5", "m6"])
        #expect(try await texts(.before(.id(ids[2])), 10) == ["m1", "m2"])
        #expect(try await texts(.after(.id(ids[2])), 2) == ["m4", "m5"])
        #expect(try await texts(.around(.id(ids[2])), 4) == ["m1", "m2", "m3", "m4"])
        #expect(try await texts(.between(.id(ids[0]), .id(ids[5])), 2) == ["m2", "m3"])
        #expect(try await texts(.between(.id(ids[5]), .id(ids[0])), 2) == ["m4", "m5"])
        #expect(try await texts(.before(.time(3_000)), 10) == ["m1", "m2"])
        #expect(try await texts(.after(.time(3_000)), 10) == ["m4", "m5", "m6"])
        #expect(try await texts(.between(.time(2_000), .time(5_000)), 10) == ["m3", "m4"])
    }
}

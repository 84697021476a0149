import ChatCore
import ChatModel
import ChatStore
import Testing

@Suite("Core: names, rate limit, order, catch-up, quit — on a real store, no sockets", .timeLimit(.minutes(1)))
struct CoreTests {
    @Test("names: a taken name gets a number, a reserved one is asked again, an empty one is USR")
    func names() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let alice = try await CoreDriver.joined(harness, connection: 1, as: "  alice ")
        let second = try await CoreDriver.joined(harness, connection: 2, as: "ALICE")
        #expect(alice.name == "alice")
        #expect(second.name == "ALICE2")
        #expect(
            second.replies.first { if case .welcome = $0 { true } else { false } }
                == .welcome(
                    name: "ALICE2", requested: "ALICE", session: harness.core.session, room: "main", token: "t"))
        let reserved = try await CoreDriver.joined(harness, connection: 3, as: "Server")
        #expect(reserved.replies.last == .error(.nameReserved("Server")))
        #expect(reserved.machine.state == .naming)
        await reserved.send(.request(.join(JoinRequest(name: "carol smith"))))
        #expect(reserved.name == "carol_smith")
        let empty = try await CoreDriver.joined(harness, connection: 4, as: "   ")
        #expect(empty.name == "USR")
        #expect(harness.core.directory.names() == ["alice", "ALICE2", "carol_smith", "USR"])
        await alice.send(.request(.who()))
        #expect(alice.replies.last == .who(names: ["alice", "ALICE2", "carol_smith", "USR"]))
    }

    @Test("rate limit: the burst passes, then every request waits its share, with one notice")
    func rateLimit() async throws {
        let harness = try CoreHarness {
            $0.requestsPerSecond = 10
            $0.requestBurst = 3
        }
        defer { harness.close() }
        let alice = try await CoreDriver.joined(harness, connection: 1, as: "alice")
        for n in 1...5 { await alice.send(.request(.say("m\(n)"))) }
        await alice.send(.request(.help))
        #expect(alice.delays.count == 3)
        #expect(alice.delays.allSatisfy { $0 > 0 && $0 <= 0.3 + 1e-9 })
        #expect(alice.replies.filter { $0 == .notice(.rateLimited(rate: 10)) }.count == 1)
        #expect(alice.replies.last == .help)
        #expect(try harness.recorded().filter { $0.kind == .message }.map(\.text) == ["m1", "m2", "m3", "m4", "m5"])
    }

    @Test("order: events are committed and fanned out in the order they were asked for, ids ascending")
    func order() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let alice = try await CoreDriver.joined(harness, connection: 1, as: "alice")
        let bob = try await CoreDriver.joined(harness, connection: 2, as: "bob")
        for n in 0..<20 {
            await (n.isMultiple(of: 2) ? alice : bob).send(.request(.say("\(n)")))
        }
        await bob.send(.request(.act("waves")))
        let committed = harness.committed
        #expect(committed.map(\.id) == committed.map(\.id).sorted())
        #expect(committed.filter { $0.kind == .message }.map(\.text) == (0..<20).map { "\($0)" })
        #expect(
            try harness.recorded().map(\.kind) == [.join, .join] + Array(repeating: .message, count: 20) + [.action])
    }

    @Test("catch-up: the recent history, then resume exactly after, then a gap when too much was missed")
    func catchUp() async throws {
        let harness = try CoreHarness {
            $0.history = 3
            $0.maxResume = 4
        }
        defer { harness.close() }
        var ids: [Int64] = []
        for n in 1...8 { ids.append(try await harness.commit(NewEvent(kind: .message, user: "old", text: "\(n)")).id) }

        let recent = try history(harness, 3)
        let newcomer = try await CoreDriver.joined(harness, connection: 1, as: "new")
        #expect(newcomer.replies.contains(.history(HistoryBlock(purpose: .catchUp, events: recent))))
        #expect(newcomer.seenThrough == ids.last)

        let resumed = CoreDriver(harness, connection: 2)
        await resumed.apply { $0.start() }
        await resumed.send(.request(.join(JoinRequest(name: "back", resumeAfter: ids[5]))))
        let missed = try #require(resumed.historyBlock)
        #expect(missed.gap == nil)
        // Events after the resume point: two messages and the newcomer's join.
        #expect(missed.events.map(\.id) == Array(ids[6...]) + [ids.last! + 1])

        let far = CoreDriver(harness, connection: 3)
        await far.apply { $0.start() }
        await far.send(.request(.join(JoinRequest(name: "far", resumeAfter: ids[0]))))
        let gapped = try #require(far.historyBlock)
        #expect(gapped.events.count == 4)
        #expect(gapped.gap == Gap(after: ids[0], resumedAfter: gapped.events[0].id - 1))

        let stranger = CoreDriver(harness, connection: 4)
        await stranger.apply { $0.start() }
        await stranger.send(.request(.join(JoinRequest(name: "stranger", resumeAfter: 10_000, history: 2))))
        #expect(stranger.historyBlock?.gap == Gap(after: 10_000, resumedAfter: 0))
        #expect(stranger.historyBlock?.events.count == 2)

        await newcomer.send(.request(.history(2)))
        #expect(newcomer.replies.last == .history(HistoryBlock(purpose: .request, events: try history(harness, 2))))
    }

    @Test("quit: lines sent before it are recorded first, then the leave; goodbye once it is committed")
    func quitBehindWhatWasSent() async throws {
        let harness = try CoreHarness()
        defer { harness.close() }
        let carol = CoreDriver(harness, connection: 7)
        await carol.apply { $0.start() }
        // Everything arrives with the name, in one read: it waits for the catch-up, in order.
        await carol.apply { machine in
            var actions = machine.lineRead(.request(.join(JoinRequest(name: "carol"))))
            for input: DoorInput in [.request(.say("first")), .request(.say("second")), .request(.quit())] {
                actions += machine.lineRead(input)
            }
            return actions
        }
        let carols = try harness.recorded().filter { $0.user == "carol" }
        #expect(carols.map(\.kind) == [.join, .message, .message, .leave])
        #expect(carols.last?.reason == .quit && carols.last?.connection == 7)
        #expect(carol.finished == [.goodbye])
        await carol.apply { $0.channelInactive() }
        #expect(carol.closed == .quit)
        #expect(harness.core.directory.names().isEmpty)
        #expect(try harness.recorded().count == 4)
    }

    private func history(_ harness: CoreHarness, _ limit: Int) throws -> [Event] {
        try harness.store.read { try $0.recent(limit: limit) }
    }
}

extension CoreDriver {
    var historyBlock: HistoryBlock? {
        for case .history(let block) in replies { return block }
        return nil
    }
}

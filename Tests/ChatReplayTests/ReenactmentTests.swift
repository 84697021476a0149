import ChatModel
import ChatProtocol
import ChatReplay
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// Records a scripted session on one real server, then re-enacts it against another.
@Suite struct ReenactmentTests {
    /// Reads until an event `matches` arrives live (the server echoes every event to everyone).
    static func waitFor(_ chat: inout ChatConnection, _ matches: (Event) -> Bool) async throws {
        while let message = try await chat.next() {
            if case .event(let event, history: false) = message, matches(event) { return }
        }
        throw WaitFailure(description: "connection closed while waiting")
    }

    static func say(_ chat: inout ChatConnection, _ text: String) async throws {
        let name = chat.welcome.name
        try await chat.send(.say(text))
        try await waitFor(&chat) { $0.kind == .message && $0.user == name && $0.text == text }
    }

    /// alice and bob talk, carol drops her connection, bob quits, alice quits.
    static func recordScriptedSession(at path: String) async throws {
        try await withServer(database: path) { server in
            let port = server.port
            try await ChatConnection.withConnection(host: "127.0.0.1", port: port, name: "alice", history: 0) { alice in
                try await say(&alice, "hello, anyone?")
                try await ChatConnection.withConnection(host: "127.0.0.1", port: port, name: "bob", history: 0) { bob in
                    try await waitFor(&alice) { $0.kind == .join && $0.user == "bob" }
                    try await say(&bob, "hi alice \"quoted\" <b>")
                    try await bob.send(.me("waves 👋"))
                    try await waitFor(&bob) { $0.kind == .action }
                    try await ChatConnection.withConnection(host: "127.0.0.1", port: port, name: "carol", history: 0) {
                        carol in
                        try await say(&carol, "=SUM(A1), שלום")
                    }
                    try await waitFor(&alice) { $0.kind == .leave && $0.user == "carol" }
                    try await say(&alice, "bye bob")
                    try await bob.quit()
                }
                try await waitFor(&alice) { $0.kind == .leave && $0.user == "bob" }
                try await alice.quit()
            }
            try await eventually("alice's leave") {
                try EventReader(path: path).events(EventFilter(kinds: [.leave])).count == 3
            }
        }
    }

    @Test func reenactmentOfARecordedSessionVerifiesWithoutDifferences() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        try await Self.recordScriptedSession(at: original)
        let recorded = try EventReader(path: original).events(EventFilter(session: 1))
        #expect(recorded.count == 11)

        let target = directory.file("target.sqlite")
        try await withServer(database: target) { server in
            // Against the target's own record.
            let byDatabase = try await runCLI(
                [
                    "replay", "--database", original, "--to", "127.0.0.1:\(server.port)", "--speed", "50", "--verify",
                    "--target-database", target,
                ], in: directory.path)
            #expect(byDatabase.status == 0, "\(byDatabase.stdout)\(byDatabase.stderr)")
            #expect(byDatabase.stdout.contains("verify: no differences (11 events; target in \(target))"))
            // And again, as an observer client sees it.
            let byObserver = try await runCLI(
                ["replay", "--database", original, "--to", "127.0.0.1:\(server.port)", "--instant", "--verify"],
                in: directory.path)
            #expect(byObserver.status == 0, "\(byObserver.stdout)\(byObserver.stderr)")
            #expect(byObserver.stdout.contains("verify: no differences"))
        }
        // The target recorded the same conversation, twice, with the observer around it.
        let replayed = try EventReader(path: target).events(EventFilter()).filter { $0.user != "replay-observer" }
        let keys = recorded.map { EventKey($0) }
        #expect(replayed.map { EventKey($0) } == keys + keys)
        #expect(
            replayed.filter { $0.kind == .leave }.map(\.reason) == recorded.filter { $0.kind == .leave }.map(\.reason)
                + recorded.filter { $0.kind == .leave }.map(\.reason))
    }

    @Test func aDifferentTargetIsReported() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        try await Self.recordScriptedSession(at: original)
        let target = directory.file("target.sqlite")
        try await withServer(database: target) { server in
            // Someone called alice is already on the target: the re-enacted alice gets another name.
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "alice", history: 0) {
                squatter in
                let result = try await runCLI(
                    [
                        "replay", "--database", original, "--to", "localhost:\(server.port)", "--instant", "--verify",
                        "--target-database", target,
                    ], in: directory.path)
                #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
                #expect(result.stdout.contains("renamed: alice -> alice2"))
                #expect(result.stdout.contains("verify: 1 difference"))
                #expect(result.stderr.isEmpty)
                try await squatter.quit()
            }
        }
    }

    @Test func unreachableTargetIsOneLine() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        try await record(Fixture.events, at: original)
        // A port nobody listens on: bind one, note it, stop.
        let port = try await withServer(database: directory.file("gone.sqlite")) { $0.port }
        let result = try await runCLI(
            ["replay", "--database", original, "--to", "127.0.0.1:\(port)", "--instant"], in: directory.path)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("chat-replay: error: "))
        #expect(result.stderr.contains("connection refused"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}

@Suite struct VerificationTests {
    let a = EventKey(kind: .join, user: "a")
    let b = EventKey(kind: .message, user: "a", text: "one")
    let c = EventKey(kind: .message, user: "b", text: "two")
    let d = EventKey(kind: .leave, user: "a")

    @Test func identicalSequencesDoNotDiffer() {
        #expect(Verification.compare(original: [a, b, c, d], target: [a, b, c, d]).isEmpty)
    }

    @Test func missingExtraReorderedRenamed() {
        let extra = EventKey(kind: .message, user: "x", text: "spam")
        let differences = Verification.compare(
            original: [a, b, c, d], target: [a, c, b, extra], renames: [(from: "a", to: "a2")])
        #expect(differences.contains(.renamed(from: "a", to: "a2")))
        #expect(differences.contains(.missing(d, position: 4)))
        #expect(differences.contains(.extra(extra, position: 4)))
        #expect(differences.contains { if case .reordered = $0 { true } else { false } })
        #expect(differences.count == 4)
    }
}

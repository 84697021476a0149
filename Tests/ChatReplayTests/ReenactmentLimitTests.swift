import ChatModel
import ChatProtocol
import ChatReplay
import ChatServer
import ChatStore
import ChatTestSupport
import Testing

/// A message the original server accepted is re-enacted whole; a target that refuses one stops the
/// re-enactment with a short line and leaves no made-up lost connections behind.
@Suite struct ReenactmentLimitTests {
    /// 4096 bytes (the default limit) of text that JSON escapes heavily.
    static let longest = String(
        String(repeating: #"\"q"#, count: MessageLimit.defaultBytes).prefix(MessageLimit.defaultBytes))

    /// alice says hi, then a message at the limit, then quits while bob stays to the end.
    static func record(at path: String) async throws {
        try await withServer(database: path) { server in
            try await ChatConnection.withConnection(host: "127.0.0.1", port: server.port, name: "bob", history: 0) {
                bob in
                try await ChatConnection.withConnection(
                    host: "127.0.0.1", port: server.port, name: "alice", history: 0
                ) { alice in
                    try await ReenactmentTests.say(&alice, "hi")
                    try await ReenactmentTests.say(&alice, longest)
                    try await alice.quit()
                }
                try await ReenactmentTests.waitFor(&bob) { $0.kind == .leave && $0.user == "alice" }
                try await bob.quit()
            }
            try await eventually("both leaves") {
                try EventReader(path: path).events(EventFilter(kinds: [.leave])).count == 2
            }
        }
    }

    @Test func aMessageAtTheLimitIsReenactedWhole() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        try await Self.record(at: original)
        let target = directory.file("target.sqlite")
        try await withServer(database: target) { server in
            let result = try await runCLI(
                [
                    "replay", "--database", original, "--to", "127.0.0.1:\(server.port)", "--instant", "--verify",
                    "--target-database", target,
                ], in: directory.path)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("verify: no differences (6 events"))
        }
        let texts = try EventReader(path: target).events(EventFilter(kinds: [.message])).map(\.text)
        #expect(texts == ["hi", Self.longest])
    }

    @Test func aTargetThatRefusesIsReportedBrieflyAndLeftWithQuits() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("original.sqlite")
        try await Self.record(at: original)
        let target = directory.file("target.sqlite")
        var configuration = ServerConfiguration.testing(database: target)
        configuration.maxMessageBytes = 1000
        try await withServer(configuration) { server in
            let result = try await runCLI(
                ["replay", "--database", original, "--to", "127.0.0.1:\(server.port)", "--instant", "--verify"],
                in: directory.path, seconds: 20)
            #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
            #expect(result.stderr.hasPrefix("chat-replay: error: the target refused message alice: "))
            #expect(result.stderr.contains("line_too_long"))
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stderr.count < 400, "\(result.stderr)")
        }
        let leaves = try EventReader(path: target).events(EventFilter(kinds: [.leave]))
        #expect(Set(leaves.map(\.user)) == ["replay-observer", "alice", "bob"])
        #expect(
            leaves.allSatisfy { $0.reason == .quit },
            "\(leaves.map { "\($0.user) \($0.reason.map { "\($0)" } ?? "")" })")
    }
}

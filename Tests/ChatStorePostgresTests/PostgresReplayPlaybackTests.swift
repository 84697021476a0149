import ChatModel
import ChatStorePostgres
import ChatTestSupport
import Foundation
import Testing

/// The built `chat-replay replay` on a `postgres://` address: timed replay prints what it prints
/// for the SQLite file the record came from, `--follow` prints what two nodes commit, in id
/// order, nothing missed, and `--to` re-enacts a session read from the database.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresReplayPlaybackTests {
    static let chatReplay = PostgresReplayCLITests.chatReplay

    @Test("timed replay of each session on postgres:// prints what it prints for the SQLite file")
    func timedReplaySameAsSQLite() async throws {
        let directory = try PostgresReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (path, address) = try await PostgresReplayTests.migratedRecord(in: directory)
        // Session 3 is longer than a page: the pager reads on.
        for session in ["1", "2", "3"] {
            let options = [
                "replay", "--session", session, "--speed", "1000", "--max-idle", "0.01", "--include-private",
            ]
            let fromFile = try await runProcess(Self.chatReplay, options + ["--database", path])
            let fromPostgres = try await runProcess(Self.chatReplay, options + ["--database", address])
            #expect(fromFile.status == 0)
            #expect(fromPostgres.status == 0, "\(fromPostgres.errors)")
            #expect(!fromFile.output.isEmpty)
            #expect(fromPostgres.output == fromFile.output, "session \(session)")
        }
    }

    @Test("--follow on postgres:// prints every event two nodes commit, in id order, each once")
    func followSeesTwoNodes() async throws {
        let address = try await freshDatabase()
        let (first, alice) = try await node(address)
        let (second, bob) = try await node(address)
        _ = try await alice.append(message("alice", "ready"))

        let directory = try PostgresReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("follow.out").path
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.chatReplay)
        process.arguments = [
            "replay", "--follow", "--context", "1", "--database",
            "postgres://postgres:secret@127.0.0.1:\(address.port)/\(address.database)",
        ]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        /// The text of each line printed so far (after its `user: `).
        func printed() -> [String] {
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map {
                $0.components(separatedBy: ": ").last ?? ""
            }
        }
        try await eventually("the context line") { printed() == ["ready"] }

        // Both nodes write at once: the follower prints in id order, whichever node wrote.
        async let fromAlice: Void = {
            for index in 0..<40 { _ = try await alice.append(message("alice", "a\(index)")) }
        }()
        async let fromBob: Void = {
            for index in 0..<40 { _ = try await bob.append(message("bob", "b\(index)")) }
        }()
        _ = try await (fromAlice, fromBob)

        let reader = PostgresEventReader(address: address)
        let committed = try await reader.events(after: 0, limit: 1000)
        await reader.close()
        let expected = texts(committed)
        #expect(expected.count == 81)
        try await eventually("all 81 events") { printed().count >= 81 }
        #expect(printed() == expected)

        process.interrupt()
        try await eventually("chat-replay to stop on SIGINT") { !process.isRunning }
        #expect(process.terminationStatus == 0)
        try await first.close()
        try await second.close()
    }

    @Test("re-enactment reads its session from postgres:// as from the SQLite file: the same steps and verdict")
    func reenactmentFromPostgres() async throws {
        let directory = try PostgresReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (path, address) = try await PostgresReplayTests.migratedRecord(in: directory)
        var outputs: [String] = []
        for (name, source) in [("file", path), ("postgres", address)] {
            let target = directory.appendingPathComponent("target-\(name).sqlite").path
            let server = try ServerProcess(database: target)
            defer { server.kill9() }
            let result = try await runProcess(
                Self.chatReplay,
                [
                    "replay", "--database", source, "--session", "1", "--to", "127.0.0.1:\(server.port)", "--instant",
                    "--verify", "--target-database", target,
                ], within: 60)
            let output = result.output.replacingOccurrences(of: target, with: "TARGET")
            outputs.append("\(result.status)\n" + output.replacingOccurrences(of: ":\(server.port)", with: ":PORT"))
        }
        // Session 1 of the fixture does not re-enact without differences (renames on the target):
        // read from either, the steps, renames and differences are the same.
        #expect(outputs[0].contains("re-enacted session 1 against 127.0.0.1:PORT: 9 events\n"))
        #expect(outputs[0].contains("verify: "))
        #expect(outputs[1] == outputs[0])
    }

    @Test("a tags-only message (IRC's TAGMSG) is not replayed (nor exported: the same read), as on SQLite")
    func tagsOnlyMessagesPassedOver() async throws {
        let address = try await freshDatabase()
        let (store, writer) = try await node(address)
        _ = try await writer.append(message("alice", "before"))
        _ = try await writer.append(
            NewEvent(kind: .tagMessage, room: "main", user: "alice", text: "", clientTags: "+typing=active"))
        _ = try await writer.append(message("alice", "after"))
        try await store.close()
        let text = "postgres://postgres@127.0.0.1:\(address.port)/\(address.database)"
        let replay = try await runProcess(Self.chatReplay, ["replay", "--instant", "--database", text])
        #expect(replay.status == 0, "\(replay.errors)")
        let lines = replay.output.split(separator: "\n").map { $0.components(separatedBy: ": ").last ?? "" }
        #expect(lines == ["before", "after"])
    }
}

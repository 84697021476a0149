import ChatModel
import ChatProtocol
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// The `chat-replay` binary as a user runs it: output, error lines and exit statuses.
@Suite struct CLITests {
    @Test func missingDatabaseIsOneLineAndExitTwo() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        for command in [["sessions"], ["export"], ["replay", "--instant"]] {
            let result = try await runCLI(command, in: directory.path)
            #expect(result.status == 2)
            #expect(result.stderr == "chat-replay: error: chat.sqlite: no such file\n")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func notAChatDatabase() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try "just some text\n".write(toFile: directory.file("notes.txt"), atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: directory.file("empty.sqlite"), contents: Data())
        for file in ["notes.txt", "empty.sqlite"] {
            let result = try await runCLI(["sessions", "--database", file], in: directory.path)
            #expect(result.status == 2)
            #expect(result.stderr == "chat-replay: error: \(file): not a chat database\n")
        }
    }

    @Test func unknownSessionAndUnwritableOutput() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await record(Fixture.events, at: directory.file("chat.sqlite"))
        let unknown = try await runCLI(["export", "--session", "9"], in: directory.path)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("chat-replay: error: chat.sqlite: no session 9"))
        #expect(unknown.stderr.split(separator: "\n").count == 1)
        let unwritable = try await runCLI(["export", "-o", "no/such/dir/out.txt"], in: directory.path)
        #expect(unwritable.status == 2)
        #expect(
            unwritable.stderr == "chat-replay: error: no/such/dir/out.txt: cannot write: No such file or directory\n")
        let badTime = try await runCLI(["export", "--since", "yesterday"], in: directory.path)
        #expect(badTime.status == 2)
        #expect(badTime.stderr.hasPrefix("chat-replay: error: --since yesterday: not a time"))
    }

    @Test func negativeNumbersGetTheirOwnErrorNotMissingValue() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await record(Fixture.events, at: directory.file("chat.sqlite"))
        let speed = try await runCLI(["replay", "--speed", "-2"], in: directory.path)
        #expect(speed.status != 0)
        #expect(speed.stderr.hasPrefix("Error: --speed must be a positive number"))
        let idle = try await runCLI(["replay", "--max-idle", "-1"], in: directory.path)
        #expect(idle.stderr.hasPrefix("Error: --max-idle must be zero or more seconds"))
    }

    @Test func nonLoopbackTargetIsRefused() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let result = try await runCLI(["replay", "--to", "192.0.2.1:7070"], in: directory.path)
        #expect(result.status != 0)
        #expect(result.stderr.contains("only loopback addresses"))
    }

    @Test func sessionsTableAndJSON() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await record(Fixture.events, at: directory.file("chat.sqlite"))
        let table = try await runCLI(["sessions"], in: directory.path)
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("ID  START"))
        #expect(lines[1].hasSuffix("4        11"))  // four participants, eleven messages and actions
        let json = try await runCLI(["sessions", "--json"], in: directory.path)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let sessions = try #require(document["sessions"] as? [[String: Any]])
        #expect(sessions.count == 1)
        #expect(sessions[0]["state"] as? String == "clean")
        #expect(sessions[0]["messages"] as? Int == 11)
    }

    @Test func incrementalExportContinuesFromTheReportedID() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let events = try await record(Fixture.events, at: directory.file("chat.sqlite"))
        let first = try await runCLI(
            ["export", "--kind", "message", "--user", "bob", "--format", "ndjson"], in: directory.path)
        #expect(first.status == 0, "\(first.stderr)")
        let bobs = events.filter { $0.kind == .message && $0.user == "bob" }
        #expect(first.stdout == bobs.map { EventJSON.encode($0) + "\n" }.joined())
        #expect(
            first.stderr == "exported 4 events; last id \(bobs.last!.id) (continue with --after-id \(bobs.last!.id))\n")
        let next = try await runCLI(["export", "--after-id", "12", "-o", "rest.csv"], in: directory.path)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr == "exported 3 events; last id 15 (continue with --after-id 15)\n")
        let csv = try String(contentsOfFile: directory.file("rest.csv"), encoding: .utf8)
        #expect(try CSVParser.parse(csv).map { $0[0] } == ["id", "13", "14", "15"])
        let none = try await runCLI(["export", "--after-id", "15"], in: directory.path)
        #expect(none.stdout.isEmpty)
        #expect(none.stderr == "exported 0 events; last id 15 (continue with --after-id 15)\n")
    }

    @Test func timeWindowsAndInstantReplay() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await record(Fixture.events, at: directory.file("chat.sqlite"))
        let window = try await runCLI(
            ["export", "--since", "2026-11-22T23:00:00Z", "--until", "2026-11-23T00:00:02Z"], in: directory.path)
        #expect(
            window.stdout
                == "[2026-11-22 23:59:59] * alice waves\n[2026-11-23 00:00:01] bob left the chat (connection lost)\n"
        )
        let recent = try await runCLI(["export", "--since", "1h"], in: directory.path)
        #expect(recent.stdout.isEmpty)  // the fixture is from 2026-11-22, more than an hour before the test runs
        let replay = try await runCLI(["replay", "--instant"], in: directory.path)
        #expect(replay.status == 0)
        #expect(replay.stdout == (try GoldenTests.golden("transcript.txt")))
    }

    @Test func followStartsAtTheLiveEndWithTheLastEventsForContext() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("chat.sqlite")
        let store = try EventStore(path: path)
        let writer = try store.startSession(host: "127.0.0.1", port: 1, version: "test") { _ in }
        // A server up for hours: thirty messages a minute apart. Following must not replay them in time.
        let start = currentTimeMillis() - 3_600_000
        for minute in 0..<30 {
            _ = try await writer.append(
                NewEvent(
                    kind: .message, user: "alice", text: "minute \(minute)", timeMillis: start + Int64(minute) * 60_000)
            )
        }

        let (process, out) = try startReplay(["--follow", "--context", "3", "--database", path], in: directory)
        func printed() -> [Substring] {
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n")
        }
        try await eventually("the last three events at once") { printed().count == 3 }
        #expect(
            printed().map { $0.split(separator: " ").suffix(2).joined(separator: " ") } == [
                "minute 27", "minute 28", "minute 29",
            ])
        _ = try await writer.append(NewEvent(kind: .message, user: "bob", text: "live"))
        try await eventually("the live event") { printed().last?.hasSuffix("bob: live") == true }
        process.interrupt()
        try await eventually("chat-replay to stop on SIGINT") { !process.isRunning }
        #expect(process.terminationStatus == 0)
        #expect(printed().count == 4)
        try store.close()
    }

    @Test func followFromStartPrintsEventsOfARunningServerUntilInterrupted() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("chat.sqlite")
        let store = try EventStore(path: path)
        let writer = try store.startSession(host: "127.0.0.1", port: 1, version: "test") { _ in }
        _ = try await writer.append(NewEvent(kind: .join, user: "alice"))

        let (process, out) = try startReplay(
            ["--instant", "--follow", "--from-start", "--database", path], in: directory)
        func printed() -> String { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }
        try await eventually("the first event") { printed().contains("alice joined the chat") }
        _ = try await writer.append(NewEvent(kind: .message, user: "alice", text: "still here"))
        try await eventually("the followed event") { printed().contains("alice: still here") }
        process.interrupt()
        try await eventually("chat-replay to stop on SIGINT") { !process.isRunning }
        #expect(process.terminationStatus == 0)
        #expect(printed().split(separator: "\n").count == 2)
        try store.close()
    }
}

/// Starts `chat-replay replay ARGUMENTS` in the background, its standard output going to a file
/// in `directory`; returns the process and the file's path.
private func startReplay(_ arguments: [String], in directory: TemporaryDirectory) throws -> (Process, String) {
    let process = Process()
    process.executableURL = try chatReplayBinary()
    process.arguments = ["replay"] + arguments
    let out = directory.file("follow.out")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    try process.run()
    return (process, out)
}

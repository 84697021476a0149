import ChatTestSupport
import Foundation
import Testing

/// One server per database file whatever its name, and chat-replay on a copy nobody can write
/// (RELIABILITY.md, "Hardening: hard links and a bounded WAL").
@Suite("Hardening")
struct HardeningTests {
    @Test("a second chat-server through a symlink or a hard link is refused; the first's session stays running")
    func secondServerUnderAnotherName() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let first = try ServerProcess(database: db)
        let symlink = dir.file("link.sqlite")
        try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: db)
        let hardLink = dir.file("other.sqlite")
        #expect(link(db, hardLink) == 0)

        var refusals: [String] = []
        for name in [symlink, hardLink] {
            let result = try await runProcess(ServerProcess.executable.path, ["--port", "0", "--database", name])
            #expect(result.status == 1)
            #expect(
                result.errors == "chat-server: \(name): database is in use by another chat-server (pid \(first.pid))\n")
            refusals.append(result.errors.trimmingCharacters(in: .newlines))
        }
        // Readers through either name see the first server's session still running (through the
        // hard link they read by the server's name, to see its -wal file).
        for name in [symlink, hardLink] {
            let sessions = try await runProcess(replayExecutable, ["sessions", "--json", "--database", name])
            #expect(sessions.status == 0, "\(sessions.errors)")
            #expect(sessions.output.contains("\"state\":\"running\""), "\(sessions.output)")
        }
        #expect(try await first.stop() == 0)

        // Stopped, the file still has two names: no server takes it until one is removed.
        let again = try await runProcess(ServerProcess.executable.path, ["--port", "0", "--database", db])
        #expect(again.status == 1)
        #expect(again.errors.contains("\(db): database file has 2 names (hard links)"))
        #expect(unlink(hardLink) == 0)
        #expect(try await ServerProcess(database: symlink).stop() == 0)
        figure(
            "hard-links",
            "\(refusals.joined(separator: "; ")); stopped: \(again.errors.trimmingCharacters(in: .newlines))")
    }

    @Test("chat-replay exports a backup copy in a directory nobody can write, creating nothing")
    func replayReadsAReadOnlySnapshot() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(database: db)
        let alice = try await TestClient.join(port: server.port, as: "alice")
        try await alice.send("hello from the backup")
        try await alice.expect { $0 == "alice: hello from the backup" }
        await alice.close()
        #expect(try await server.stop() == 0)

        let snapshot = dir.file("snapshot")
        try FileManager.default.createDirectory(atPath: snapshot, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: db, toPath: snapshot + "/chat.sqlite")
        #expect(chmod(snapshot + "/chat.sqlite", 0o444) == 0)
        #expect(chmod(snapshot, 0o555) == 0)
        defer { chmod(snapshot, 0o755) }
        // chmod does not stop root; an immutable directory does, as a read-only mount would.
        if getuid() == 0 {
            let chattr = try #require(
                findExecutable("chattr"), "chattr is needed to make a directory read-only for root")
            let made = try await runProcess(chattr, ["+i", snapshot])
            try #require(
                made.status == 0, "chattr +i failed here (\(made.errors)); the file system does not support it")
        }
        defer {
            if getuid() == 0, let chattr = findExecutable("chattr") {
                _ = try? Process.run(URL(fileURLWithPath: chattr), arguments: ["-i", snapshot]).waitUntilExit()
            }
        }

        let export = try await runProcess(
            replayExecutable, ["export", "--all", "--database", snapshot + "/chat.sqlite"])
        #expect(export.status == 0, "\(export.errors)")
        #expect(export.output.contains("alice: hello from the backup"), "\(export.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: snapshot) == ["chat.sqlite"])
        figure(
            "read-only-snapshot",
            "chat-replay export status=\(export.status), lines=\(export.output.split(separator: "\n").count), files created=0"
        )
    }

    private var replayExecutable: String { ServerProcess.productsDirectory.appendingPathComponent("chat-replay").path }
}

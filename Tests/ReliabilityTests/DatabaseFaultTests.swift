import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// A `sqlite3` shell in another process, holding a write lock on the database until released.
final class ForeignLock: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()

    init(database: String) throws {
        guard let sqlite3 = findExecutable("sqlite3") else {
            throw WaitFailure(description: "the sqlite3 command is needed (apt-get install sqlite3)")
        }
        process.executableURL = URL(fileURLWithPath: sqlite3)
        process.arguments = [database]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A busy timeout, so that a probe holding the lock for a moment cannot make BEGIN fail.
        input.fileHandleForWriting.write(Data(".timeout 5000\nBEGIN EXCLUSIVE;\n".utf8))
    }

    /// Commits and ends the shell.
    func release() async throws {
        input.fileHandleForWriting.write(Data("COMMIT;\n.quit\n".utf8))
        try input.fileHandleForWriting.close()
        try await eventually(within: 10, "sqlite3 to exit") { !process.isRunning }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// A server process on `database` with alice and bob joined, bob having seen alice's `lines`.
func aliceAndBobChatting(
    on database: String, lines: [String] = ["before"]
) async throws -> (server: ServerProcess, alice: TestClient, bob: TestClient) {
    let server = try ServerProcess(database: database)
    let alice = try await TestClient.join(port: server.port, as: "alice")
    let bob = try await TestClient.join(port: server.port, as: "bob")
    for line in lines { try await alice.send(line) }
    if let last = lines.last { try await bob.expect { $0 == "alice: \(last)" } }
    return (server, alice, bob)
}

/// True when another connection holds the write lock: `BEGIN IMMEDIATE` fails at once.
func isWriteLocked(_ database: String) async throws -> Bool {
    let sqlite3 = findExecutable("sqlite3") ?? "/usr/bin/sqlite3"
    let result = try await runProcess(sqlite3, ["-cmd", ".timeout 0", database, "BEGIN IMMEDIATE; ROLLBACK;"])
    return result.status != 0 && result.errors.contains("locked")
}

@Suite("Reliability: database faults", .timeLimit(.minutes(5)))
struct DatabaseFaultTests {
    static let notStored = "error: your message could not be stored, so nobody saw it ("

    @Test(
        "disk full (--max-pages): the sender is told, nobody else sees it, the server goes on, nothing acknowledged is lost"
    )
    func diskFull() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(database: db, arguments: ["--max-pages", "16", "--rate", "0"])
        let alice = try await TestClient.join(port: server.port, as: "alice")
        let bob = try await TestClient.join(port: server.port, as: "bob")
        let payload = String(repeating: "d", count: 1500)
        var accepted = 0
        var refusal: String?
        for n in 0..<200 {
            try await alice.send("fill \(n) \(payload)")
            let line = try await alice.expect { $0.hasPrefix("alice: fill \(n) ") || $0.hasPrefix(Self.notStored) }
            if line.hasPrefix(Self.notStored) {
                refusal = line
                break
            }
            accepted += 1
        }
        let refused = try #require(refusal, "the database never filled up")
        #expect(refused.contains("disk full: the database cannot grow"))
        // The server goes on: commands work, and nobody saw the refused message.
        try await bob.send("/who")
        try await bob.expect { $0 == "In the room (2): alice, bob" }
        #expect(try await bob.received.filter { $0.hasPrefix("alice: fill ") }.count == accepted)
        #expect(server.log.contains("not stored:"))
        #expect(try await server.stop() == 0)
        let stored = try EventReader(path: db).events(EventFilter(kinds: [.message]))
        #expect(stored.count == accepted)
        #expect(try EventReader(path: db).integrityCheck() == "ok")
        figure("disk-full", "max_pages=16 accepted=\(accepted) then refused with \"\(refused)\"; lost=0")
    }

    @Test("locked by another process: refused with a clear line while locked, accepted again after")
    func lockedByAnotherProcess() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let (server, alice, bob) = try await aliceAndBobChatting(on: db)
        let lock = try ForeignLock(database: db)
        try await eventually(within: 10, "sqlite3 to hold the lock") { try await isWriteLocked(db) }
        let sent = Date()
        try await alice.send("while locked")
        let refused = try await alice.expect(within: 15) { $0.hasPrefix(Self.notStored) }
        let waited = Date().timeIntervalSince(sent)
        #expect(refused.contains("database is locked by another process"))
        try await lock.release()
        try await alice.send("after")
        try await bob.expect { $0 == "alice: after" }
        #expect(try await !bob.received.contains("alice: while locked"))
        #expect(try await server.stop() == 0)
        let texts = try EventReader(path: db).events(EventFilter(kinds: [.message])).map(\.text)
        #expect(texts == ["before", "after"])
        figure(
            "locked",
            String(
                format: "refused after %.1f s (busy timeout 5 s) with \"%@\"; accepted again after release", waited,
                refused))
    }

    @Test("read-only database file (chattr +i) at start: refused with one clear line, exit status 1")
    func readOnlyAtStart() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let first = try ServerProcess(database: db)
        #expect(try await first.stop() == 0)
        let chattr = try #require(findExecutable("chattr"), "chattr is needed to make a file read-only for root")
        let made = try await runProcess(chattr, ["+i", db])
        try #require(made.status == 0, "chattr +i failed here (\(made.errors)); the file system does not support it")
        defer { _ = try? FileManager.default.removeItem(atPath: db + ".lock") }
        let result = try await runProcess(ServerProcess.executable.path, ["--port", "0", "--database", db])
        _ = try await runProcess(chattr, ["-i", db])
        #expect(result.status == 1)
        #expect(result.errors == "chat-server: \(db): database file is read-only: the server must be able to write\n")
        figure("read-only", "exit=\(result.status) \"\(result.errors.trimmingCharacters(in: .newlines))\"")
    }

    @Test("database file removed while running: later messages refused with a clear line, never shown as stored")
    func removedWhileRunning() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let (server, alice, bob) = try await aliceAndBobChatting(on: db)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try await alice.send("after removal")
        let refused = try await alice.expect { $0.hasPrefix(Self.notStored) }
        #expect(refused.contains("the database file was removed or replaced while the server was running"))
        try await bob.send("/who")
        try await bob.expect { $0.hasPrefix("In the room (2)") }
        #expect(try await !bob.received.contains("alice: after removal"))
        #expect(server.log.contains("removed or replaced"))
        #expect(try await server.stop() == 0)
        figure("removed", "refused with \"\(refused)\"; server kept serving")
    }

    @Test(
        "database file overwritten while running: no crash, no hang; each message is either seen by all or refused to its sender"
    )
    func corruptedWhileRunning() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let (server, alice, bob) = try await aliceAndBobChatting(
            on: db, lines: (0..<50).map { "before \($0) " + String(repeating: "b", count: 500) })
        // Garbage over the whole main file, header included.
        let size = (try FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 65536
        var random = SeededGenerator(seed: 7)
        let garbage = Data((0..<max(size, 65536)).map { _ in UInt8.random(in: 0...255, using: &random) })
        let handle = try #require(FileHandle(forWritingAtPath: db))
        handle.write(garbage)
        try handle.close()
        var delivered = 0
        var refused = 0
        for n in 0..<20 {
            try await alice.send("after \(n)")
            let line = try await alice.expect { $0 == "alice: after \(n)" || $0.hasPrefix(Self.notStored) }
            if line.hasPrefix(Self.notStored) {
                refused += 1
            } else {
                delivered += 1
                try await bob.expect { $0 == "alice: after \(n)" }
            }
        }
        // A newcomer gets in (its history may be missing) or, when its join cannot be stored in
        // the ruined file, is told so in one line; either way the server stops cleanly.
        let carol = try await TestClient.join(port: server.port, as: "carol")
        // A refused join closes the connection, perhaps before this line is sent.
        try? await carol.send("/who")
        try await carol.expect {
            $0.hasPrefix("In the room (3)") || $0.hasPrefix("error: you could not join: your join could not be stored")
        }
        let bobAfter = try await bob.received.filter { $0.hasPrefix("alice: after ") }.count
        #expect(bobAfter == delivered)
        let status = try await server.stop()
        #expect(status == 0 || status == 1)
        // A restart either works or names the problem in one line.
        var restart: String
        do {
            let again = try ServerProcess(database: db)
            let integrity = (try? EventReader(path: db).integrityCheck()) ?? "unreadable"
            #expect(try await again.stop() == 0)
            restart = "restart ok, integrity_check=\(integrity.split(separator: "\n").first ?? "")"
        } catch {
            let result = try await runProcess(ServerProcess.executable.path, ["--port", "0", "--database", db])
            #expect(result.status == 1)
            #expect(result.errors.split(separator: "\n").count == 1 && result.errors.hasPrefix("chat-server: \(db): "))
            restart = "restart refused: \(result.errors.trimmingCharacters(in: .newlines))"
        }
        figure(
            "corrupted",
            "after overwriting the file: delivered=\(delivered) refused=\(refused) (each exactly one), crashes=0, hangs=0, stop status=\(status); \(restart)"
        )
    }
}

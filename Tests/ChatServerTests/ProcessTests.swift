import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@Suite("chat-server as a process", .timeLimit(.minutes(2)))
struct ProcessTests {
    @Test("kill -9 under traffic loses no message that any client saw")
    func killNineLosesNothingSeen() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(database: db)
        var clients: [TestClient] = []
        for index in 0..<10 { clients.append(try await TestClient.join(port: server.port, as: "k\(index)")) }
        try await clients[0].expect { $0 == "k9 joined the chat" }
        let senders = Task { [clients] in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask { for n in 0..<100_000 { try await client.send("k\(index) says \(n)") } }
                }
                try await group.waitForAll()
            }
        }
        // Let traffic flow until some messages were delivered, then kill the server mid-stream.
        try await clients[0].expect { $0.hasPrefix("k9: k9 says 50") }
        server.kill9()
        senders.cancel()
        _ = try? await senders.value
        var seen = Set<String>()
        for client in clients {
            // Everything the kernel had buffered for the client comes first: generous on a loaded machine.
            try await client.expectClosed(within: 30)
            for line in try await client.received where line.contains(" says ") { seen.insert(line) }
        }
        #expect(seen.count > 50)
        let reader = try EventReader(path: db)
        #expect(try reader.integrityCheck() == "ok")
        let stored = Set(try reader.events(EventFilter(kinds: [.message])).map { "\($0.user): \($0.text)" })
        let lost = seen.subtracting(stored)
        #expect(lost.isEmpty, "lost: \(lost.prefix(5))")
        // The next start marks the killed session unclean, and ids have no holes.
        let restarted = try ServerProcess(database: db)
        #expect(try await restarted.stop() == 0)
        let sessions = try EventReader(path: db).sessions()
        #expect(sessions.map(\.state) == [.unclean, .clean])
        let ids = try EventReader(path: db).events(EventFilter()).map(\.id)
        #expect(ids == Array(1...Int64(ids.count)))
    }

    @Test(
        "SIGTERM and SIGINT: clients are told, the process exits 0 in bounded time, even with a stuck client",
        arguments: [SIGTERM, SIGINT])
    func signals(signal: Int32) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(database: db)
        let listener = try await TestClient.join(port: server.port, as: "listener")
        let stuck = try await TestClient.join(port: server.port, as: "stuck")
        try await stuck.channel.setOption(.autoRead, value: false).get()
        let started = Date()
        #expect(try await server.stop(signal, within: 10) == 0)
        #expect(Date().timeIntervalSince(started) < 5)
        let lines = try await listener.expectClosed()
        #expect(lines.contains("*** The server is shutting down. Goodbye!"))
        let reader = try EventReader(path: db)
        #expect(try reader.sessions().first?.state == .clean)
        let leaves = try reader.events(EventFilter(kinds: [.leave]))
        #expect(Set(leaves.map(\.user)) == ["listener", "stuck"])
        #expect(leaves.allSatisfy { $0.reason == .serverShutdown })
    }

    @Test("SIGTERM with one client that keeps its socket open after the notice, as nc does: exit 0, the leave recorded")
    func shutdownWithOpenClient() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(database: db)
        let client = try await TestClient.join(port: server.port, as: "nc", staysOpen: true)
        try await client.expect { $0 == "nc joined the chat" }
        let started = ContinuousClock.now
        #expect(try await server.stop(SIGTERM, within: 10) == 0)
        let took = ContinuousClock.now - started
        // About a second (the grace time the connection waits for the peer's end) on an idle
        // machine; bounded generously here, as the signals test is, for a loaded one.
        print("shutdown with one nc-like client took \(took)")
        #expect(took < .seconds(5))
        try await client.expect { $0 == "*** The server is shutting down. Goodbye!" }
        #expect(client.channel.isActive, "the client kept its socket open")
        await client.close()
        let reader = try EventReader(path: db)
        #expect(try reader.sessions().first?.state == .clean)
        let leaves = try reader.events(EventFilter(kinds: [.leave]))
        #expect(leaves.map(\.user) == ["nc"] && leaves.first?.reason == .serverShutdown)
    }

    @Test("--stall-timeout: a client that stops reading is cut as too slow after it; 0 is refused")
    func stallTimeout() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.file("chat.sqlite")
        let server = try ServerProcess(
            database: db,
            arguments: ["--stall-timeout", "0.2", "--max-queue-bytes", "1024", "--history", "0", "--rate", "0"])
        let stuck = try await TestClient.join(port: server.port, as: "stuck", receiveBuffer: 4096)
        try await stuck.channel.setOption(.autoRead, value: false).get()
        let talker = try await TestClient.join(port: server.port, as: "talker")
        let line = String(repeating: "x", count: 1000)
        try await talker.send(bytes: Array((0..<200).map { "\(line) \($0)\n" }.joined().utf8))
        try await talker.expect(within: 20) { $0 == "stuck left the chat (too slow)" }
        let leave = try EventReader(path: db).events(EventFilter(kinds: [.leave])).first { $0.user == "stuck" }
        #expect(leave?.reason == .tooSlow)
        // Cut well before the default 5 s: the stall started with the first messages.
        let first = try EventReader(path: db).events(EventFilter(kinds: [.message])).first
        let stalled = Double((leave?.timeMillis ?? 0) - (first?.timeMillis ?? 0)) / 1000
        print("stuck was cut \(stalled) s after the first message")
        #expect(stalled < 4)
        #expect(try await server.stop() == 0)

        let refused = try await runProcess(
            ServerProcess.executable.path, ["--stall-timeout", "0", "--database", dir.file("other.sqlite")])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("--stall-timeout must be more than 0 seconds"), "\(refused.errors)")
    }

    @Test("--threads: a server on 3 event loops chats; 0 is refused with a clear error")
    func threads() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(database: dir.file("chat.sqlite"), arguments: ["--threads", "3"])
        let clients = [
            try await TestClient.join(port: server.port, as: "a"),
            try await TestClient.join(port: server.port, as: "b"),
            try await TestClient.join(port: server.port, as: "c"),
        ]
        try await clients[0].send("hello from a")
        for client in clients { try await client.expect { $0 == "a: hello from a" } }
        #expect(try await server.stop() == 0)

        let refused = try await runProcess(
            ServerProcess.executable.path, ["--threads", "0", "--database", dir.file("other.sqlite")])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("--threads must be at least 1"), "\(refused.errors)")
    }

    @Test("a port in use is one plain line, exit status 1, and no database file is left behind")
    func portInUse() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let running = try ServerProcess(database: dir.file("running.sqlite"))
        let second = dir.file("second.sqlite")
        let refused = try await runProcess(
            ServerProcess.executable.path, ["--port", String(running.port), "--database", second])
        #expect(refused.status == 1)
        #expect(
            refused.errors
                == "chat-server: cannot listen on 127.0.0.1:\(running.port): the port is in use (is another chat-server running?)\n",
            "\(refused.errors)")
        #expect(!FileManager.default.fileExists(atPath: second))
        #expect(!FileManager.default.fileExists(atPath: second + "-wal"))
        #expect(try await running.stop() == 0)
    }

    @Test("database errors are one clear line naming the file and the cause, exit status 1")
    func databaseErrors() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let garbage = dir.file("garbage.sqlite")
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: garbage))
        let running = try ServerProcess(database: dir.file("busy.sqlite"))
        let cases: [(String, String)] = [
            (garbage, "not a chat database: it is not an SQLite file"),
            (
                dir.file("busy.sqlite"),
                "database is in use by another chat-server (pid \(running.process.processIdentifier))"
            ),
            (dir.file("missing/dir/chat.sqlite"), "the directory \(dir.file("missing/dir")) does not exist"),
        ]
        for (path, cause) in cases {
            let process = Process()
            process.executableURL = ServerProcess.productsDirectory.appendingPathComponent("chat-server")
            process.arguments = ["--port", "0", "--database", path]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = Pipe()
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 1)
            #expect(text.hasPrefix("chat-server: \(path): "), "\(text)")
            #expect(text.contains(cause), "\(text)")
            #expect(text.split(separator: "\n").count == 1)
            #expect(!text.contains("while running"), "\(text)")
        }
        _ = try await running.stop()
    }
}

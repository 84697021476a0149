import ChatModel
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// `chat-replay backup`: a consistent copy taken while a server commits, refused over an
/// existing file, and restorable.
@Suite struct BackupTests {
    @Test func aBackupDuringAChatIsOneMomentOfTheRecordAndServesOnceRestored() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let database = directory.file("chat.sqlite")
        let copy = directory.file("copy.sqlite")
        let result = try await withServer(database: database) { server in
            let alice = try await TestClient.join(port: server.port, as: "alice")
            // One message before the backup starts, so that the copy has one to serve.
            try await alice.send("message 0")
            try await alice.expect { $0 == "alice: message 0" }
            let stop = NIOLockedValueBox(false)
            // alice chats the whole time, each message committed before the next is sent.
            let chat = Task {
                var sent = 0
                while !stop.withLockedValue({ $0 }) || sent < 20 {
                    sent += 1
                    let line = "message \(sent)"
                    try await alice.send(line)
                    try await alice.expect { $0 == "alice: " + line }
                }
                return sent
            }
            let result = try await runCLI(["backup", copy], in: directory.path)
            stop.withLockedValue { $0 = true }
            let sent = try await chat.value
            await alice.close()
            #expect(sent >= 20)
            return result
        }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("integrity ok"), "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))

        // The copy is exactly the record's first events, up to a moment in the chat.
        let copied = try EventReader(path: copy).events(EventFilter())
        let recorded = try recordedEvents(database)
        #expect(!copied.isEmpty)
        #expect(copied == Array(recorded.prefix(copied.count)))
        #expect(result.stdout.contains("\(copied.count) events (last id \(copied.last!.id))"))

        // Restored as a server's database, it serves its history and exports.
        let restored = TemporaryDirectory()
        defer { restored.remove() }
        try FileManager.default.copyItem(atPath: copy, toPath: restored.file("chat.sqlite"))
        let last = try #require(copied.last { $0.kind == .message })
        try await withServer(database: restored.file("chat.sqlite")) { server in
            let bob = try await TestClient.connect(port: server.port)
            try await bob.send("bob")
            try await bob.expect { $0.hasSuffix("alice: \(last.text)") }
            await bob.close()
        }
        let export = try await runCLI(["export", "--session", "1", "--format", "ndjson"], in: restored.path)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains(#""text":"\#(last.text)""#))
    }

    @Test func anExistingFileIsKeptUnlessForced() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await record(Fixture.events, at: directory.file("chat.sqlite"))
        try "keep me\n".write(toFile: directory.file("out.sqlite"), atomically: true, encoding: .utf8)

        let refused = try await runCLI(["backup", "out.sqlite"], in: directory.path)
        #expect(refused.status == 2)
        #expect(refused.stderr == "chat-replay: error: out.sqlite: already exists; give --force to overwrite it\n")
        #expect(try String(contentsOfFile: directory.file("out.sqlite"), encoding: .utf8) == "keep me\n")

        let itself = try await runCLI(["backup", "chat.sqlite", "--force"], in: directory.path)
        #expect(itself.status == 2)
        #expect(itself.stderr.contains("is the database itself"))

        let forced = try await runCLI(["backup", "out.sqlite", "--force"], in: directory.path)
        #expect(forced.status == 0, "\(forced.stderr)")
        let events = try EventReader(path: directory.file("out.sqlite")).events(EventFilter())
        #expect(events == (try recordedEvents(directory.file("chat.sqlite"))))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains(".partial-")
        }
        #expect(leftovers.isEmpty)
    }
}

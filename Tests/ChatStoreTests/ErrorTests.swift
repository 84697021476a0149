import CSQLite
import Foundation
import Testing

@testable import ChatStore

@Suite("Errors a user can meet")
struct ErrorTests {
    @Test func parentIsARegularFile() throws {
        let directory = try TemporaryDirectory()
        let plain = directory.file("plain")
        #expect(FileManager.default.createFile(atPath: plain, contents: Data("x".utf8)))
        let path = plain + "/chat.sqlite"
        let error = storeError { _ = try EventStore(path: path) }
        #expect(error?.kind == .cannotCreate)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("\(plain) is not a directory") == true)
    }

    @Test func anErrorIsOneLineWhateverTheStatementsLayout() {
        let error = StoreError(
            .corrupt, path: "chat.sqlite", message: "database is corrupt",
            sql: "SELECT id FROM sanctions\n    WHERE until_ms IS NULL\n    ORDER BY id")
        #expect(
            error.description
                == "chat.sqlite: database is corrupt (while running: SELECT id FROM sanctions WHERE until_ms IS NULL ORDER BY id)"
        )
    }

    @Test func parentDoesNotExist() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("missing/chat.sqlite")
        let error = storeError { _ = try EventStore(path: path) }
        #expect(error?.kind == .cannotCreate)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("the directory \(directory.file("missing")) does not exist") == true)
    }

    @Test func pathIsADirectory() throws {
        let directory = try TemporaryDirectory()
        let error = storeError { _ = try EventStore(path: directory.path) }
        #expect(error?.kind == .cannotCreate)
        #expect(error?.description.contains(directory.path) == true)
        #expect(error?.description.contains("is a directory") == true)
    }

    // Root passes every permission check, so a directory without write permission stops only
    // other users; this runs when the tests do not run as root.
    @Test(.enabled(if: getuid() != 0, "root can write into a directory without write permission"))
    func directoryNotWritable() throws {
        let directory = try TemporaryDirectory()
        let locked = directory.file("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
        #expect(chmod(locked, 0o555) == 0)
        defer { chmod(locked, 0o755) }
        let path = locked + "/chat.sqlite"
        let error = storeError { _ = try EventStore(path: path) }
        #expect(error?.kind == .cannotCreate)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("not writable") == true)
    }

    @Test func fileIsNotADatabase() throws {
        let directory = try TemporaryDirectory()
        let garbage = String(repeating: "this is not a database, just some text\n", count: 200)
        try garbage.write(toFile: directory.database, atomically: false, encoding: .utf8)
        let error = storeError { _ = try EventStore(path: directory.database) }
        #expect(error?.kind == .notADatabase)
        #expect(error?.description.contains(directory.database) == true)
        #expect(error?.description.contains("not a chat database: it is not an SQLite file") == true)
        // The failed open released the lock, and left the file alone.
        #expect(!FileLock.isHeld(databasePath: directory.database))
        #expect(try String(contentsOfFile: directory.database, encoding: .utf8) == garbage)

        let readerError = storeError { _ = try EventReader(path: directory.database) }
        #expect(readerError?.kind == .notADatabase)
        #expect(readerError?.description.contains(directory.database) == true)
    }

    @Test func anotherProgramsDatabaseIsNotOursToRead() throws {
        let directory = try TemporaryDirectory()
        try RawDatabase(directory.database, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            .execute("CREATE TABLE notes (body TEXT)")
        let error = storeError { _ = try EventReader(path: directory.database) }
        #expect(error?.kind == .notADatabase)
        #expect(error?.description.contains(directory.database) == true)
        #expect(error?.description.contains("no chatroom schema") == true)

        // A server refuses it too, and adds none of its tables to it.
        let serverError = storeError { _ = try EventStore(path: directory.database) }
        #expect(serverError?.kind == .notADatabase)
        #expect(serverError?.description.contains("tables of another program") == true)
        #expect(try RawDatabase(directory.database).value("SELECT group_concat(name) FROM sqlite_master") == "notes")
        #expect(!FileLock.isHeld(databasePath: directory.database))
    }

    @Test func newerSchemaIsRefused() throws {
        let directory = try TemporaryDirectory()
        try EventStore(path: directory.database).close()
        try RawDatabase(directory.database).execute("PRAGMA user_version = 99")

        for _ in 0..<2 {  // twice: the first refusal must release the lock
            let error = storeError { _ = try EventStore(path: directory.database) }
            #expect(error?.kind == .newerSchema(found: 99, supported: Schema.version))
            #expect(error?.description.contains(directory.database) == true)
            #expect(error?.description.contains("version 99 is newer") == true)
        }
        let readerError = storeError { _ = try EventReader(path: directory.database) }
        #expect(readerError?.kind == .newerSchema(found: 99, supported: Schema.version))
        // Refusing did not touch the file.
        #expect(try RawDatabase(directory.database).value("PRAGMA user_version") == "99")
    }

    @Test func databaseInUseInTheSameProcess() throws {
        let directory = try TemporaryDirectory()
        let first = try EventStore(path: directory.database)
        let error = storeError { _ = try EventStore(path: directory.database) }
        #expect(error?.kind == .inUse(pid: getpid()))
        #expect(error?.description.contains(directory.database) == true)
        #expect(error?.description.contains("in use by another chat-server (pid \(getpid()))") == true)
        // The refused open must not have disturbed the holder's lock.
        #expect(FileLock.isHeld(databasePath: directory.database))
        #expect(storeError { _ = try EventStore(path: directory.database) }?.kind == .inUse(pid: getpid()))
        try first.close()
        try EventStore(path: directory.database).close()
    }

    // Root opens a file without write permission read-write anyway, so the store's refusal of a
    // read-only file can only be seen by another user; this runs when the tests do not run as root.
    @Test(.enabled(if: getuid() != 0, "root can write a file without write permission"))
    func readOnlyFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        try EventStore(path: directory.database).close()
        #expect(chmod(directory.database, 0o444) == 0)
        let error = storeError { _ = try EventStore(path: directory.database) }
        #expect(error?.kind == .readOnly)
        #expect(error?.description.contains(directory.database) == true)
        #expect(error?.description.contains("read-only") == true)
    }

    @Test func readersRefuseToWrite() throws {
        let directory = try TemporaryDirectory()
        try EventStore(path: directory.database).close()
        let reader = try EventReader(path: directory.database)
        let error = storeError { try reader.database.execute("INSERT INTO rooms (name) VALUES ('x')") }
        #expect(error?.kind == .readOnly)
        #expect(error?.description.contains(directory.database) == true)
        #expect(error?.description.contains("read-only") == true)
        #expect(error?.sql == "INSERT INTO rooms (name) VALUES ('x')")
    }

    @Test func diskFullFailsTheWholeBatchAndTheWriterRecovers() throws {
        let directory = try TemporaryDirectory()
        let batches = Batches()
        // A cap below the size SQLite already has means: no page may be added.
        let (store, writer) = try openSession(directory.database, maxPageCount: 1, batches: batches)
        defer { try? store.close() }
        let outcomes = Outcomes()
        let big = String(repeating: "x", count: 20_000)

        writer.submit(.message("alice", "small, fits in the free space of a page"), completion: outcomes.completion)
        #expect(outcomes.wait(for: 1) != nil)
        batches.gate.close()
        writer.submit(.message("alice", "marker"), completion: outcomes.completion)
        #expect(batches.gate.waitForArrivals(2))  // the writer now waits in onCommit
        // Queued while the writer waits: taken as one batch. The first two would fit alone.
        writer.submit(.message("bob", "small too", room: "side"), completion: outcomes.completion)
        writer.submit(.message("bob", "also small"), completion: outcomes.completion)
        writer.submit(.message("bob", big), completion: outcomes.completion)
        batches.gate.open()

        let results = try #require(outcomes.wait(for: 5))
        let marker = try results[1].get()
        for result in results[2...] {
            guard case .failure(let error) = result else {
                Issue.record("expected disk full, got \(result)")
                continue
            }
            #expect(error.kind == .diskFull)
            #expect(error.description.contains(directory.database))
            #expect(error.description.contains("disk full"))
        }
        // Nothing of the failed batch is in the database, not even its new room.
        let reader = try EventReader(path: directory.database)
        #expect(try reader.lastEventID() == marker.id)
        #expect(try reader.recent(room: "side", limit: 10).isEmpty)
        #expect(try reader.database.integer("SELECT count(*) FROM rooms WHERE name = 'side'") == 0)
        #expect(batches.all.flatMap { $0 }.map(\.id) == [results[0], results[1]].map { try! $0.get().id })

        // Space comes back: the same writer carries on, ids continue without a hole.
        writer.setMaxPageCount(1_000_000)
        writer.submit(.message("bob", "small too", room: "side"), completion: outcomes.completion)
        writer.submit(.message("bob", big), completion: outcomes.completion)
        let after = try #require(outcomes.wait(for: 7))[5...].map { try $0.get() }
        #expect(after.map(\.id) == [marker.id + 1, marker.id + 2])
        #expect(try reader.recent(room: "side", limit: 10).map(\.text) == ["small too"])
        #expect(try reader.recent(limit: 1).first?.text == big)
    }
}

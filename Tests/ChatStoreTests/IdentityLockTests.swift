import Foundation
import Testing

@testable import ChatStore

/// One server per database file, whatever name reaches it (symlink, hard link).
@Suite("One server per database file")
struct IdentityLockTests {
    @Test func aHardLinkedDatabaseIsRefused() throws {
        let directory = try TemporaryDirectory()
        try EventStore(path: directory.database).close()
        let other = directory.file("other.sqlite")
        #expect(link(directory.database, other) == 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()

        for path in [directory.database, other] {
            let error = storeError { _ = try EventStore(path: path) }
            #expect(error?.kind == .hardLinked(links: 2))
            #expect(
                error?.description == "\(path): database file has 2 names (hard links): two servers could "
                    + "open it under two names, each with its own -wal file, and corrupt it; give a copy with one name")
        }
        // A refused start leaves nothing behind, and the file is whole again once it has one name.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
        #expect(unlink(other) == 0)
        try EventStore(path: directory.database).close()
    }

    @Test func aSecondServerThroughAHardLinkHearsWhoRunsTheFirst() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        defer { try? store.close() }
        let other = directory.file("other.sqlite")
        #expect(link(directory.database, other) == 0)
        let error = storeError { _ = try EventStore(path: other) }
        #expect(error?.kind == .inUse(pid: getpid()))
        #expect(error?.description == "\(other): database is in use by another chat-server (pid \(getpid()))")
        #expect(FileLock.isHeld(databasePath: other))
        #expect(try store.read { try $0.sessions().map(\.state) } == [.running])
        // A reader through the other name reads through the server's, so it sees the server's -wal.
        let event = try await writer.append(.message("alice", "in the -wal"))
        #expect(try EventReader(path: other).recent(limit: 1) == [event])
    }

    @Test func aSecondServerThroughASymlinkIsRefusedAndTheFirstSessionStaysRunning() async throws {
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        _ = try await writer.append(.message("alice", "before"))
        let symlink = directory.file("link.sqlite")
        try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: directory.database)

        let error = storeError { _ = try EventStore(path: symlink) }
        #expect(error?.kind == .inUse(pid: getpid()))
        #expect(error?.description == "\(symlink): database is in use by another chat-server (pid \(getpid()))")
        // Readers see the server through the symlink too, and its session was not marked unclean.
        #expect(FileLock.isHeld(databasePath: symlink))
        #expect(try EventReader(path: symlink).sessions().map(\.state) == [.running])
        let raw = try RawDatabase(directory.database)
        #expect(try raw.value("SELECT group_concat(state) FROM sessions") == "running")
        _ = try await writer.append(.message("alice", "after"))
        try store.close()

        // Once the first has stopped, a server through the symlink is welcome.
        let (second, _) = try openSession(symlink)
        #expect(try second.read { try $0.sessions().map(\.state) } == [.clean, .running])
        try second.close()
    }

    @Test func aRefusedStartLeavesNoFileBehind() throws {
        let directory = try TemporaryDirectory()
        let first = try EventStore(path: directory.database)
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(storeError { _ = try EventStore(path: directory.database) }?.kind == .inUse(pid: getpid()))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
        try first.close()
        // A clean stop removes the lock file; SQLite removes its -wal and -shm with the last connection.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["chat.sqlite"])
    }
}

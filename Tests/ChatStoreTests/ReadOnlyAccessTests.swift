import Foundation
import Testing

@testable import ChatStore

/// Reading a database where nothing can be written: a read-only mount, a backup snapshot.
@Suite("Read-only copies")
struct ReadOnlyAccessTests {
    /// A database with events, stopped cleanly (everything in the main file), and a copy of just
    /// that file in `snapshot`, as a backup holds it.
    private func snapshot(in directory: TemporaryDirectory) async throws -> String {
        let (store, writer) = try openSession(directory.database)
        for index in 0..<10 { _ = try await writer.append(.message("alice", "hello \(index)")) }
        try store.close()
        let copy = directory.file("snapshot")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: directory.database, toPath: copy + "/chat.sqlite")
        return copy + "/chat.sqlite"
    }

    @Test func aWritableDirectoryIsReadShared() async throws {
        let directory = try TemporaryDirectory()
        let path = try await snapshot(in: directory)
        #expect(ReadOnlyAccess.choose(forDatabaseAt: path) == .shared)
        #expect(ReadOnlyAccess.shared.uri(forDatabaseAt: path).hasSuffix("/snapshot/chat.sqlite?mode=ro"))
        #expect(ReadOnlyAccess.immutable.uri(forDatabaseAt: "/a%b?#c") == "file:/a%25b%3f%23c?mode=ro&immutable=1")
    }

    // Root writes where permissions say no, so `chmod` alone changes nothing for it; an immutable
    // directory (`chattr +i`) stops root too, as a read-only mount does. Both are tried.
    @Test func aSnapshotInADirectoryNobodyCanWriteIsReadImmutable() async throws {
        let directory = try TemporaryDirectory()
        let path = try await snapshot(in: directory)
        let folder = (path as NSString).deletingLastPathComponent
        #expect(chmod(path, 0o444) == 0)
        #expect(chmod(folder, 0o555) == 0)
        defer { chmod(folder, 0o755) }
        if getuid() == 0 {
            try #require(
                chattr("+i", folder), "chattr +i is needed to make a directory read-only for root (ext4, xfs, ...)")
        }
        defer { if getuid() == 0 { _ = chattr("-i", folder) } }

        #expect(access(folder, W_OK) != 0)
        #expect(ReadOnlyAccess.choose(forDatabaseAt: path) == .immutable)
        let reader = try EventReader(path: path)
        #expect(try reader.recent(limit: 100).map(\.text) == (0..<10).map { "hello \($0)" })
        #expect(try reader.sessions().map(\.state) == [.clean])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["chat.sqlite"])
    }

    /// Runs `chattr FLAG PATH`; false when it is missing or refused.
    private func chattr(_ flag: String, _ path: String) -> Bool {
        guard let tool = ["/usr/bin/chattr", "/bin/chattr"].first(where: FileManager.default.isExecutableFile) else {
            return false
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [flag, path]
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

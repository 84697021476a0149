import CSQLite
import ChatModel
import Foundation
import Testing

@testable import ChatStore

@Suite("docs/STORAGE.md")
struct DocumentationTests {
    /// The ```sql blocks of the storage guide, read from the repository.
    static func sqlBlocks() throws -> [String] {
        let guide = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/STORAGE.md")
        let text = try String(contentsOf: guide, encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```sql" {
                current = []
            } else if let lines = current, line == "```" {
                blocks.append(lines.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test func everyQueryRunsOnARealDatabase() async throws {
        let blocks = try Self.sqlBlocks()
        #expect(blocks.count >= 6)
        let directory = try TemporaryDirectory()
        let (store, writer) = try openSession(directory.database)
        _ = try await writer.append(NewEvent(kind: .join, user: "alice", connection: 1))
        _ = try await writer.append(.message("alice", "hi"))
        _ = try await writer.append(NewEvent(kind: .action, user: "alice", text: "waves"))
        // Rooms, a topic, a rename and private messages, for the queries about them.
        _ = try await writer.append(NewEvent(kind: .join, room: "dev", user: "alice", connection: 1))
        _ = try await writer.append(NewEvent(kind: .topic, room: "dev", user: "alice", text: "deploys", connection: 1))
        _ = try await writer.append(NewEvent(kind: .join, user: "bob", connection: 2))
        _ = try await writer.append(.message("alice", "in dev", room: "dev"))
        _ = try await writer.append(
            NewEvent(
                kind: .message, room: Room.privateName, user: "alice", text: "psst", connection: 1, recipient: "bob"))
        _ = try await writer.append(
            NewEvent(
                kind: .message, room: Room.privateName, user: "bob", text: "yes?", connection: 2, recipient: "alice"))
        _ = try await writer.append(NewEvent(kind: .rename, user: "bob", text: "robert", connection: 2))
        _ = try await writer.append(NewEvent(kind: .leave, user: "robert", connection: 2, reason: .quit))
        _ = try await writer.append(NewEvent(kind: .leave, room: "dev", user: "alice", connection: 1, reason: .quit))
        _ = try await writer.append(NewEvent(kind: .leave, user: "alice", connection: 1, reason: .quit))
        try store.close()

        let raw = try RawDatabase(directory.database, flags: SQLITE_OPEN_READONLY)
        for block in blocks {
            var rest = block
            // Each statement of the block must compile and run; the last one must return rows.
            var rowCount = 0
            while !rest.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                var stmt: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let next: String = try rest.withCString { start in
                    let code = sqlite3_prepare_v2(raw.handle, start, -1, &stmt, &tail)
                    guard code == SQLITE_OK else {
                        throw RawError(message: "\(block)\n→ \(String(cString: sqlite3_errmsg(raw.handle)))")
                    }
                    return tail.map { String(cString: $0) } ?? ""
                }
                if let stmt {
                    rowCount = 0
                    var code = sqlite3_step(stmt)
                    while code == SQLITE_ROW {
                        rowCount += 1
                        code = sqlite3_step(stmt)
                    }
                    sqlite3_finalize(stmt)
                    #expect(code == SQLITE_DONE, "\(block)")
                }
                rest = next
            }
            #expect(rowCount > 0, "no rows from:\n\(block)")
        }
    }
}

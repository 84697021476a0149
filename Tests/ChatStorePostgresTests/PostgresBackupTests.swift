import ChatModel
import ChatStorePostgres
import ChatTestSupport
import Foundation
import Testing

/// The built `chat-replay backup` on a `postgres://` address: a SQLite chat file of the record,
/// which `chat-replay` reads as the file the record came from and `migrate` restores.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresBackupTests {
    static let chatReplay = PostgresReplayCLITests.chatReplay

    @Test("SQLite → PostgreSQL → backup → PostgreSQL: every step exports and lists the same record")
    func roundTrip() async throws {
        let directory = try PostgresReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (path, address) = try await PostgresReplayTests.migratedRecord(in: directory)
        let archive = directory.appendingPathComponent("archive.sqlite").path

        let backup = try await runProcess(Self.chatReplay, ["backup", "--database", address, archive])
        #expect(backup.status == 0, "\(backup.errors)")
        #expect(backup.output.contains(" events (last id "))
        #expect(backup.output.contains("3 sessions"))
        #expect(!backup.output.contains("secret"))
        let again = try await runProcess(Self.chatReplay, ["backup", "--database", address, archive])
        #expect(again.status == 2)
        #expect(again.errors.contains("already exists; give --force to overwrite it"))

        let restored = try await freshDatabase()
        let restoredText = "postgres://postgres@127.0.0.1:\(restored.port)/\(restored.database)"
        let migrate = try await runProcess(Self.chatReplay, ["migrate", "--from", archive, "--to", restoredText])
        #expect(migrate.status == 0, "\(migrate.errors)")

        let original = try await Self.record(path, in: directory)
        #expect(original.contains("line 599"))
        for copy in [address, archive, restoredText] {
            #expect(try await Self.record(copy, in: directory) == original, "\(copy)")
        }
    }

    @Test(
        "the backup of a purged record keeps retention's record: its sessions list as the database's, migrated again too"
    )
    func purgedRecord() async throws {
        let address = try await freshDatabase()
        let (store, writer) = try await node(address)
        let now = currentTimeMillis()
        for index in 0..<30 {
            _ = try await writer.append(
                NewEvent(
                    kind: .message, room: "main", user: "old\(index % 2)", text: "old \(index)",
                    timeMillis: now - 10 * 86_400_000))
        }
        // A room left without events lists differently (SQLite's rooms table answers for a file,
        // the events for PostgreSQL): each room keeps one here.
        _ = try await writer.append(message("alice", "kept", room: "main"))
        _ = try await writer.append(message("alice", "kept too", room: "dev"))
        try await store.close()
        let run = try await PostgresPurge(address: address).run(
            policy: RetentionPolicy(defaultMillis: 86_400_000), now: now)
        #expect(run?.events == 30)

        let directory = try PostgresReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let archive = directory.appendingPathComponent("archive.sqlite").path
        let text = "postgres://postgres@127.0.0.1:\(address.port)/\(address.database)"
        let backup = try await runProcess(Self.chatReplay, ["backup", "--database", text, archive])
        #expect(backup.status == 0, "\(backup.errors)")
        let listing = try await Self.record(text, in: directory)
        #expect(listing.contains("\"purged\":30"))
        #expect(listing.contains("alice: kept too"))
        let fromArchive = try await Self.record(archive, in: directory)
        #expect(fromArchive == listing)
        // The archive migrates whole: its sessions keep their purged counts.
        let restored = try await freshDatabase()
        let restoredText = "postgres://postgres@127.0.0.1:\(restored.port)/\(restored.database)"
        let migrate = try await runProcess(Self.chatReplay, ["migrate", "--from", archive, "--to", restoredText])
        #expect(migrate.status == 0, "\(migrate.errors)")
        #expect(migrate.output.contains(", 1 purges (30 events purged), counts verified"), "\(migrate.output)")
        #expect(try await Self.record(restoredText, in: directory) == listing)
    }

    /// `sessions --json` and the whole record exported (private messages too) in text and CSV.
    static func record(_ database: String, in directory: URL) async throws -> String {
        var record = try await runProcess(chatReplay, ["sessions", "--json", "--database", database]).output
        for format in ["text", "csv"] {
            let file = directory.appendingPathComponent("export-\(UUID()).\(format)").path
            let export = try await runProcess(
                chatReplay,
                ["export", "--database", database, "--all", "--include-private", "--format", format, "-o", file])
            #expect(export.status == 0, "\(export.errors)")
            record += try String(contentsOfFile: file, encoding: .utf8)
        }
        return record
    }
}

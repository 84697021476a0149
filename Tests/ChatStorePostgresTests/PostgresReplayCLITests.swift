import ChatTestSupport
import Foundation
import Testing

/// The built `chat-replay` on a `postgres://` address: `sessions`, `export` and `search` print
/// what they print for the SQLite file the record came from.
/// The address's password is never printed.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresReplayCLITests {
    static let chatReplay = ServerProcess.productsDirectory.appendingPathComponent("chat-replay").path

    @Test("chat-replay sessions, export and search on postgres:// print what they print for the SQLite file")
    func sameAsSQLite() async throws {
        let directory = try PostgresReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (path, address) = try await PostgresReplayTests.migratedRecord(in: directory)

        let sessions = try await runProcess(Self.chatReplay, ["sessions", "--json", "--database", path])
        #expect(sessions.status == 0)
        let onPostgres = try await runProcess(Self.chatReplay, ["sessions", "--json", "--database", address])
        #expect(onPostgres.status == 0)
        #expect(onPostgres.output == sessions.output)

        for format in ["text", "html", "csv"] {
            let file = directory.appendingPathComponent("sqlite.\(format)").path
            let other = directory.appendingPathComponent("postgres.\(format)").path
            let options = ["--all", "--include-private", "--format", format, "-o"]
            let fromFile = try await runProcess(Self.chatReplay, ["export", "--database", path] + options + [file])
            let fromPostgres = try await runProcess(
                Self.chatReplay, ["export", "--database", address] + options + [other])
            #expect(fromFile.status == 0)
            #expect(fromPostgres.status == 0)
            #expect(fromPostgres.errors == fromFile.errors)  // "exported N events; last id N"
            #expect(FileManager.default.contentsEqual(atPath: file, andPath: other))
        }

        let search = try await runProcess(Self.chatReplay, ["search", "--database", address, "hello"])
        #expect(search.status == 0)
        #expect(search.output.contains("#main alice: [hello] from run 1\n"))
        #expect(search.errors.isEmpty)
    }

    @Test("a database without a chat record is not a chat database, in one line")
    func emptyDatabase() async throws {
        let address = try await freshDatabase()
        let refused = try await runProcess(
            Self.chatReplay,
            [
                "sessions", "--database",
                "postgres://postgres:secret@\(address.host):\(address.port)/\(address.database)",
            ])
        #expect(refused.status == 2)
        #expect(refused.errors == "chat-replay: error: \(address): not a chat database (it has no chat record yet)\n")
    }

    @Test("replay and backup of an unreachable postgres:// address fail in one line, without its password")
    func unreachable() async throws {
        let address = "postgres://chat:secret@127.0.0.1:1/chat"
        let directory = try PostgresReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("copy.sqlite").path
        for arguments in [["replay", "--instant"], ["backup", copy]] {
            let refused = try await runProcess(Self.chatReplay, arguments + ["--database", address])
            #expect(refused.status == 2)
            #expect(refused.errors.hasPrefix("chat-replay: error: "))
            #expect(!refused.errors.contains("secret"))
        }
        #expect(!FileManager.default.fileExists(atPath: copy))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}

import ArgumentParser
import ChatStore
import Foundation

/// `--database PATH`, shared by every subcommand; the file is always opened read-only.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The chat database, opened read-only (default: chat.sqlite, like chat-server).")
    var database: String = ReplayDefaults.databasePath

    /// A read-only reader of the database, or one clear error.
    func openReader() throws(ReplayError) -> EventReader {
        try Self.openReader(path: database)
    }

    static func openReader(path: String) throws(ReplayError) -> EventReader {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReplayError("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw ReplayError("\(path): is a directory, not a chat database") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ReplayError("\(path): permission denied")
        }
        do {
            return try EventReader(path: path)
        } catch {
            if error.kind == .notADatabase { throw ReplayError("\(path): not a chat database") }
            throw ReplayError(error)
        }
    }
}

/// Runs a store query, turning its failure into one clear line.
func storeQuery<T>(_ body: () throws -> T) throws(ReplayError) -> T {
    do {
        return try body()
    } catch let error as StoreError {
        if case .sqlite = error.kind, error.message.contains("no such table") {
            throw ReplayError("\(error.path): not a chat database")
        }
        throw ReplayError(error)
    } catch let error as ReplayError {
        throw error
    } catch {
        throw ReplayError("\(error)")
    }
}

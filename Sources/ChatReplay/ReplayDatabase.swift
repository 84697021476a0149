import ChatStore
import Foundation

/// Opens the chat database for the replay tool: always read-only, every failure one clear line.
public enum ReplayDatabase {
    /// A read-only reader of the database at `path`, or one clear error.
    public static func openReader(path: String) throws(ReplayError) -> EventReader {
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
public func storeQuery<T>(_ body: () throws -> T) throws(ReplayError) -> T {
    do {
        return try body()
    } catch let error as StoreError {
        if case .sqlite = error.kind, error.message.contains("no such table") {
            throw ReplayError("\(error.path): not a chat database")
        }
        // undefined_table: a PostgreSQL database no chat-server (or `migrate`) has set up.
        if case .postgres(sqlState: "42P01") = error.kind {
            throw ReplayError("\(error.path): not a chat database (it has no chat record yet)")
        }
        throw ReplayError(error)
    } catch let error as ReplayError {
        throw error
    } catch {
        throw ReplayError("\(error)")
    }
}

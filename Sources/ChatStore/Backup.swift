import CSQLite
import Foundation

/// A consistent copy of a chat database, taken while a server writes it: SQLite's online backup
/// copies every page within one read transaction (a snapshot; in WAL mode the writer is never
/// blocked), into a temporary file beside the destination that is checked, synced and then renamed
/// into place, so the destination is either the old file or a whole, verified copy.
public enum Backup {
    /// What a backup holds, read back from the copy.
    public struct Report: Sendable, Equatable {
        /// Events, sessions and rooms in the copy.
        public var events: Int64
        public var sessions: Int64
        public var rooms: Int64
        /// The last event id in the copy (0 for none).
        public var lastEventID: Int64
        /// The copy's size in bytes.
        public var bytes: Int64
    }

    /// Copies the database at `source` to `destination`, which must not exist unless `overwrite`.
    /// The copy passes `PRAGMA integrity_check` and opens as a chat database before it is renamed
    /// into place; on any failure the destination is untouched and the temporary file removed.
    public static func copy(from source: String, to destination: String, overwrite: Bool = false) throws(StoreError)
        -> Report
    {
        try refuseExisting(destination, overwrite: overwrite)
        if let identity = FileIdentity(path: source), let target = FileIdentity(path: destination),
            identity.realPath == target.realPath
        {
            throw StoreError(.invalidArgument, path: destination, message: "is the database itself; give another file")
        }
        let reader = try EventReader(path: source)
        let partial = partialPath(for: destination)
        try? FileManager.default.removeItem(atPath: partial)
        do throws(StoreError) {
            let copy = try Database(path: partial, readOnly: false, create: true)
            try copyPages(from: reader.database, to: copy)
            return try putInPlace(copy, at: destination)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Refuses an existing `destination` unless `overwrite`.
    static func refuseExisting(_ destination: String, overwrite: Bool) throws(StoreError) {
        if !overwrite, FileManager.default.fileExists(atPath: destination) {
            throw StoreError(
                .invalidArgument, path: destination, message: "already exists; give --force to overwrite it")
        }
    }

    /// Where a copy is written before it is put in place: beside `destination`.
    static func partialPath(for destination: String) -> String { destination + ".partial-\(getpid())" }

    /// Makes the finished `copy` (at `partialPath(for: destination)`) stand alone (one file, no
    /// write-ahead log beside it), checks and counts it, syncs it and renames it to `destination`.
    static func putInPlace(_ copy: Database, at destination: String) throws(StoreError) -> Report {
        try copy.execute("PRAGMA journal_mode = DELETE")
        var report = try verify(copy)
        let partial = copy.path
        guard fsync(path: partial) else {
            throw StoreError(.cannotCreate, path: partial, message: "cannot sync the copy to disk")
        }
        guard rename(partial, destination) == 0 else {
            throw StoreError(
                .cannotCreate, path: destination,
                message: "cannot put the copy in place: \(String(cString: strerror(errno)))")
        }
        report.bytes = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int64) ?? report.bytes
        return report
    }

    /// Every page, in one step: one read transaction, so the copy is one moment of the source.
    private static func copyPages(from source: Database, to copy: Database) throws(StoreError) {
        guard let backup = sqlite3_backup_init(copy.handle, "main", source.handle, "main") else {
            throw copy.error(sqlite3_errcode(copy.handle), sql: nil)
        }
        var code = sqlite3_backup_step(backup, -1)
        while code == SQLITE_BUSY || code == SQLITE_LOCKED {
            sqlite3_sleep(20)
            code = sqlite3_backup_step(backup, -1)
        }
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE else { throw source.error(code, sql: nil) }
        guard finished == SQLITE_OK else { throw copy.error(finished, sql: nil) }
    }

    /// Checks the copy page by page, opens it as a chat database and counts what it holds.
    private static func verify(_ copy: Database) throws(StoreError) -> Report {
        let check = try copy.text("PRAGMA integrity_check") ?? ""
        guard check == "ok" else {
            throw StoreError(.corrupt, path: copy.path, message: "the copy fails its integrity check: \(check)")
        }
        try Schema.check(copy)
        return Report(
            events: try copy.integer("SELECT count(*) FROM events"),
            sessions: try copy.integer("SELECT count(*) FROM sessions"),
            rooms: try copy.integer("SELECT count(*) FROM rooms"),
            lastEventID: try copy.integer("SELECT coalesce(max(id), 0) FROM events"),
            bytes: try copy.integer("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"))
    }

    private static func fsync(path: String) -> Bool {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return Foundation.fsync(descriptor) == 0
    }
}

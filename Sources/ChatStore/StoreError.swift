import CSQLite

/// An error from the event store. Its description names the database file and the cause,
/// and, for SQL failures, the statement that failed.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, in a form code can match on.
    public enum Kind: Sendable, Equatable {
        case cannotCreate
        case notADatabase
        case newerSchema(found: Int, supported: Int)
        case inUse(pid: Int32?)
        /// The database file has more than one name; see `FileLock`.
        case hardLinked(links: Int)
        case diskFull
        case readOnly
        case corrupt
        case busy
        case closed
        case notFound
        /// An account of that name (or one that looks the same: same skeleton) is already registered.
        case alreadyRegistered
        /// A value the store cannot record (a sanction on nobody, a mute on an address).
        case invalidArgument
        case sqlite(code: Int32)
        /// The database server cannot be reached (PostgreSQL down, restarting, or the connection
        /// lost): nothing was stored; a later attempt may work.
        case unavailable
        /// A PostgreSQL server error, by its SQLSTATE code (`23505`: a unique violation).
        case postgres(sqlState: String)
    }

    public var kind: Kind
    /// The database file concerned (for PostgreSQL: its address, without the password).
    public var path: String
    /// A sentence for a person.
    public var message: String
    /// The SQL that failed, when a statement failed.
    public var sql: String?

    public init(_ kind: Kind, path: String, message: String, sql: String? = nil) {
        self.kind = kind
        self.path = path
        self.message = message
        self.sql = sql
    }

    public var description: String {
        var text = "\(path): \(message)"
        // One line, whatever the statement's layout.
        if let sql { text += " (while running: \(sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")))" }
        return text
    }

    /// Builds an error from an SQLite result code, with the connection's own message.
    static func sqlite(_ code: Int32, db: OpaquePointer?, path: String, sql: String?) -> StoreError {
        let detail =
            db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
        switch code & 0xFF {
        case SQLITE_NOTADB:
            // Which statement found out says nothing to the person who gave the wrong file.
            return StoreError(.notADatabase, path: path, message: "not a chat database: it is not an SQLite file")
        case SQLITE_CORRUPT:
            return StoreError(.corrupt, path: path, message: "database is corrupt (\(detail))", sql: sql)
        case SQLITE_FULL:
            return StoreError(
                .diskFull, path: path, message: "disk full: the database cannot grow (\(detail))", sql: sql)
        case SQLITE_READONLY:
            return StoreError(.readOnly, path: path, message: "database is read-only (\(detail))", sql: sql)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(
                .busy, path: path, message: "database is locked by another process (\(detail))", sql: sql)
        case SQLITE_CANTOPEN:
            return StoreError(.cannotCreate, path: path, message: "cannot open the database file (\(detail))", sql: sql)
        default:
            return StoreError(.sqlite(code: code), path: path, message: "SQLite error \(code): \(detail)", sql: sql)
        }
    }
}

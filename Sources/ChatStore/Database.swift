import CSQLite

/// One SQLite connection. Not thread-safe: each connection is used by one thread at a time.
final class Database {
    let handle: OpaquePointer
    let path: String

    /// Opens `path`; `create` also creates the file. Read-only connections open it as
    /// `ReadOnlyAccess.choose` says. Sets a busy timeout and foreign keys.
    init(path: String, readOnly: Bool, create: Bool = false, busyTimeoutMillis: Int32 = 5000) throws(StoreError) {
        var flags = SQLITE_OPEN_NOMUTEX
        var name = path
        if readOnly {
            flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
            name = ReadOnlyAccess.choose(forDatabaseAt: path).uri(forDatabaseAt: path)
        } else {
            flags |= SQLITE_OPEN_READWRITE
            if create { flags |= SQLITE_OPEN_CREATE }
        }
        var db: OpaquePointer?
        let code = sqlite3_open_v2(name, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = StoreError.sqlite(code, db: db, path: path, sql: nil)
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMillis)
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// True when SQLite opened the file read-only (for instance a file without write permission).
    var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(StoreError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code, sql: sql) }
    }

    /// Compiles a statement.
    func prepare(_ sql: String) throws(StoreError) -> Statement {
        var stmt: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard code == SQLITE_OK, let stmt else { throw error(code, sql: sql) }
        return Statement(handle: stmt, database: self, sql: sql)
    }

    /// The first column of the first row of a query, as an integer (0 when there is no row).
    func integer(_ sql: String) throws(StoreError) -> Int64 {
        let stmt = try prepare(sql)
        return try stmt.step() ? stmt.int64(0) : 0
    }

    /// The first column of the first row of a query, as text.
    func text(_ sql: String) throws(StoreError) -> String? {
        let stmt = try prepare(sql)
        return try stmt.step() ? stmt.string(0) : nil
    }

    /// Runs `body` in an immediate transaction, committed when it returns and rolled back when it throws.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// The path of this database's `-wal` file.
    var walPath: String {
        guard let main = sqlite3_db_filename(handle, "main"), let wal = sqlite3_filename_wal(main) else {
            return path + "-wal"
        }
        return String(cString: wal)
    }

    /// Runs a checkpoint (`SQLITE_CHECKPOINT_PASSIVE`, `..._TRUNCATE`, ...): true when it did all
    /// the mode asks, false when a reader or the writer was in the way (or it failed).
    @discardableResult
    func checkpoint(_ mode: Int32) -> Bool {
        var log: Int32 = 0
        var copied: Int32 = 0
        return sqlite3_wal_checkpoint_v2(handle, nil, mode, &log, &copied) == SQLITE_OK && copied == log
    }

    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes64(handle)) }

    func error(_ code: Int32, sql: String?) -> StoreError {
        StoreError.sqlite(code, db: handle, path: path, sql: sql)
    }
}

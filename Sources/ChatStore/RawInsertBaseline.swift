import ChatModel

/// Raw SQLite insert speed on this machine: the baseline the writer is measured against
/// (`chat-bench store`). It inserts rows shaped like events straight through the C API, in
/// transactions of `batchSize` rows, into a fresh database with the same pragmas as a server's.
package enum RawInsertBaseline {
    /// Inserts `rows` rows and returns the seconds it took.
    package static func run(path: String, rows: Int, batchSize: Int) throws -> Double {
        let database = try Database(path: path, readOnly: false, create: true)
        _ = try database.text("PRAGMA journal_mode = WAL")
        try database.execute("PRAGMA synchronous = NORMAL")
        try database.execute(
            """
            CREATE TABLE IF NOT EXISTS raw_events (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL,
                room_id INTEGER NOT NULL, kind TEXT NOT NULL, user TEXT NOT NULL, text TEXT NOT NULL,
                time_ms INTEGER NOT NULL, connection INTEGER, reason TEXT);
            CREATE INDEX IF NOT EXISTS raw_by_room ON raw_events(room_id, id);
            CREATE INDEX IF NOT EXISTS raw_by_session ON raw_events(session_id, id);
            CREATE INDEX IF NOT EXISTS raw_by_time ON raw_events(time_ms);
            """)
        let insert = try database.prepare(
            "INSERT INTO raw_events (session_id, room_id, kind, user, text, time_ms, connection, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
        let started = currentTimeMillis()
        var written = 0
        while written < rows {
            let count = min(batchSize, rows - written)
            try database.transaction { () throws(StoreError) in
                for index in 0..<count {
                    insert.reset()
                    insert.bind(1, at: 1)
                    insert.bind(1, at: 2)
                    insert.bind("message", at: 3)
                    insert.bind("user\(index % 200)", at: 4)
                    insert.bind("BENCH a message of about sixty-four bytes of payload text, ok \(index)", at: 5)
                    insert.bind(currentTimeMillis(), at: 6)
                    insert.bind(Int64(index % 200), at: 7)
                    insert.bind(nil as String?, at: 8)
                    try insert.step()
                }
            }
            written += count
        }
        return Double(currentTimeMillis() - started) / 1000
    }
}

/// Every row of retention's record (`purges`, `purged_counts`, `purged_users`), rooms by name, as
/// a migration or a backup copies it from one store to another.
public struct PurgeRecordRows: Sendable, Equatable {
    /// What purged events of `kind` counted for `session` in `room` (a `purged_counts` row).
    public struct Count: Sendable, Equatable {
        public var session: Int64
        public var room: String
        public var kind: String
        public var events: Int64

        public init(session: Int64, room: String, kind: String, events: Int64) {
            (self.session, self.room, self.kind, self.events) = (session, room, kind, events)
        }
    }

    /// One of the people of `session` whose events were purged (a `purged_users` row).
    public struct User: Sendable, Equatable {
        public var session: Int64
        public var user: String

        public init(session: Int64, user: String) {
            (self.session, self.user) = (session, user)
        }
    }

    /// By id.
    public var purges: [PurgeReport] = []
    /// By session, room name (byte order), kind.
    public var counts: [Count] = []
    /// By session, user (byte order).
    public var users: [User] = []

    /// Events purged, all purges together.
    public var events: Int { purges.reduce(0) { $0 + $1.events } }

    public init(purges: [PurgeReport] = [], counts: [Count] = [], users: [User] = []) {
        (self.purges, self.counts, self.users) = (purges, counts, users)
    }
}

extension EventReader {
    /// Retention's record of the file (none before schema 4, which has no such tables).
    public func purgeRecordRows() throws(StoreError) -> PurgeRecordRows {
        guard try hasPurgeRecord() else { return PurgeRecordRows() }
        var rows = PurgeRecordRows()
        let purges = try database.prepare(
            "SELECT id, time_ms, by, room, cutoff_ms, events, first_id, last_id FROM purges ORDER BY id")
        while try purges.step() {
            rows.purges.append(
                PurgeReport(
                    id: purges.int64(0), timeMillis: purges.int64(1), by: purges.string(2), room: purges.string(3),
                    cutoffMillis: purges.int64(4), events: Int(purges.int64(5)), firstID: purges.int64(6),
                    lastID: purges.int64(7)))
        }
        let counts = try database.prepare(
            """
            SELECT c.session_id, r.name, c.kind, c.events FROM purged_counts c JOIN rooms r ON r.id = c.room_id
            ORDER BY c.session_id, r.name, c.kind
            """)
        while try counts.step() {
            rows.counts.append(
                PurgeRecordRows.Count(
                    session: counts.int64(0), room: counts.string(1), kind: counts.string(2), events: counts.int64(3)))
        }
        let users = try database.prepare("SELECT session_id, user FROM purged_users ORDER BY session_id, user")
        while try users.step() {
            rows.users.append(PurgeRecordRows.User(session: users.int64(0), user: users.string(1)))
        }
        return rows
    }
}

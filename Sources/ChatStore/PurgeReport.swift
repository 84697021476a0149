/// One room's share of a purge: what was deleted, and when, by whom. Each is a row of the
/// `purges` table.
public struct PurgeReport: Sendable, Hashable {
    /// The `purges` row.
    public var id: Int64
    /// When the purge ran, ms since the epoch.
    public var timeMillis: Int64
    /// Who purged: `retention` (the server's `--retain`).
    public var by: String
    /// The room as stored; empty for private messages.
    public var room: String
    /// Events older than this (ms since the epoch) were purged.
    public var cutoffMillis: Int64
    /// How many events, and the first and last id among them.
    public var events: Int
    public var firstID: Int64
    public var lastID: Int64

    package init(
        id: Int64, timeMillis: Int64, by: String, room: String, cutoffMillis: Int64, events: Int, firstID: Int64,
        lastID: Int64
    ) {
        (self.id, self.timeMillis, self.by, self.room) = (id, timeMillis, by, room)
        (self.cutoffMillis, self.events, self.firstID, self.lastID) = (cutoffMillis, events, firstID, lastID)
    }
}

/// One run of the purger over every room.
public struct PurgeRun: Sendable, Hashable {
    /// One per room that lost events (none when nothing was old enough).
    public var reports: [PurgeReport]
    /// Delete transactions, and the longest of them in milliseconds: with the longest vacuum
    /// step, the longest a commit could have waited for the purger.
    public var batches: Int
    public var longestBatchMillis: Double
    public var longestVacuumMillis: Double
    /// How long the run took, vacuum included, in milliseconds.
    public var millis: Double
    /// Pages given back to the file system by incremental vacuum, and free pages left.
    public var vacuumedPages: Int
    public var freePages: Int

    /// Events purged, all rooms together.
    public var events: Int { reports.reduce(0) { $0 + $1.events } }

    /// A run that has done nothing yet.
    package init() {
        (reports, batches, longestBatchMillis, longestVacuumMillis) = ([], 0, 0, 0)
        (millis, vacuumedPages, freePages) = (0, 0, 0)
    }
}

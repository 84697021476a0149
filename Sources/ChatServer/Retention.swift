import ChatModel
import ChatStore
import ChatStorePostgres
import Logging

/// The server's purger: SQLite's thread on the file, or on PostgreSQL a task that purges when no
/// other node is purging (`PostgresPurge`).
enum RetentionPurger: Sendable {
    case sqlite(Purger)
    case postgres(PostgresPurger)

    /// Stops purging, within one batch.
    func stop() async {
        switch self {
        case .sqlite(let purger): purger.stop()
        case .postgres(let purger): await purger.stop()
        }
    }
}

extension ChatServer {
    /// Starts the purger when `configuration.retention` has a limit; its runs go to the log.
    static func startPurger(
        _ configuration: ServerConfiguration, store: ServerStore, logger: Logger
    ) throws(StoreError) -> RetentionPurger? {
        guard configuration.retention.isActive else { return nil }
        let onPurge = { @Sendable (run: PurgeRun) in logPurge(run, logger: logger) }
        let onError = { @Sendable (error: StoreError) in logger.error("retention: purge failed: \(error)") }
        switch store {
        case .sqlite(_, let writer):
            return .sqlite(
                try Purger(
                    writer: writer, policy: configuration.retention, interval: configuration.retentionIntervalSeconds,
                    clock: configuration.retentionClock, onPurge: onPurge, onError: onError))
        case .postgres(let record, _):
            return .postgres(
                PostgresPurger(
                    purge: PostgresPurge(address: record.store.address, logger: logger),
                    policy: configuration.retention, interval: configuration.retentionIntervalSeconds,
                    clock: configuration.retentionClock, onPurge: onPurge, onError: onError))
        }
    }

    private static func logPurge(_ run: PurgeRun, logger: Logger) {
        guard run.events > 0 || run.vacuumedPages > 0 else { return }
        for report in run.reports {
            let room = report.room == Room.privateName ? "private messages" : Room.display(report.room)
            logger.notice(
                "retention: purged \(report.events) events of \(room) older than \(Timestamp.iso8601(report.cutoffMillis)) (ids \(report.firstID)-\(report.lastID), purge \(report.id))"
            )
        }
        let longest = (max(run.longestBatchMillis, run.longestVacuumMillis) * 10).rounded() / 10
        logger.info(
            "retention: \(run.events) events in \(run.batches) batches (longest transaction \(longest) ms), \(run.vacuumedPages) pages vacuumed, \(Int(run.millis)) ms"
        )
    }
}

import ChatModel
import ChatStore
import Logging

extension ChatServer {
    /// Starts the purger when `configuration.retention` has a limit; its runs go to the log.
    static func startPurger(
        _ configuration: ServerConfiguration, writer: EventWriter, logger: Logger
    ) throws(StoreError) -> Purger? {
        guard configuration.retention.isActive else { return nil }
        return try Purger(
            writer: writer, policy: configuration.retention, interval: configuration.retentionIntervalSeconds,
            clock: configuration.retentionClock,
            onPurge: { run in
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
            },
            onError: { error in logger.error("retention: purge failed: \(error)") })
    }
}

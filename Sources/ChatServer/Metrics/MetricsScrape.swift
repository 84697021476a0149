import ChatCore
import ChatStore
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `/metrics` and `/health` answer from: the registry, and the cheap sources of the gauges
/// that are read when scraped rather than kept up to date on every change.
struct MetricsScrape: Sendable {
    let metrics: ServerMetrics
    /// The SQLite file, whose size and WAL's are gauges; nil on PostgreSQL.
    let databasePath: String?
    /// On PostgreSQL: the database's size, asked when scraped (nil: it did not answer).
    var postgresBytes: (@Sendable () async -> Int64?)? = nil
    let directory: ChatDirectory
    /// The open chat connections, whose outbound buffers are summed.
    let channels: @Sendable () -> [any Channel]
    /// Events committed but not yet in the search index; nil when the server has no index.
    let searchIndexLag: (@Sendable () -> Int)?
    /// Whether the server is running (not stopping) and why the store last failed, if it did.
    let state: @Sendable () -> (running: Bool, storeFailure: StoreError?)

    /// The Prometheus text, with the gauges read now.
    func render(on loop: any EventLoop) -> EventLoopFuture<String> {
        if let databasePath {
            metrics.databaseBytes.record(Self.fileSize(databasePath))
            metrics.walBytes.record(Self.fileSize(databasePath + "-wal"))
        }
        metrics.rooms.record(directory.roomCount)
        metrics.members.record(directory.count)
        if let searchIndexLag { metrics.searchIndexLag?.record(searchIndexLag()) }
        let queued = channels().map { $0.getOption(ChannelOptions.bufferedWritableBytes) }
        let metrics = self.metrics
        let measured = postgresBytes.map { size in loop.makeFutureWithTask { await size() } }
        return EventLoopFuture.whenAllComplete(queued, on: loop).and(measured ?? loop.makeSucceededFuture(nil)).map {
            results, databaseBytes in
            metrics.outboundQueueBytes.record(results.reduce(0) { $0 + ((try? $1.get()) ?? 0) })
            if let databaseBytes { metrics.databaseBytes.record(databaseBytes) }
            return metrics.render()
        }
    }

    /// `/health`: whether all is well, and a line of JSON saying so.
    func health() -> (ok: Bool, body: String) {
        let (running, failure) = state()
        let store = failure == nil ? "writable" : "failing"
        let status = !running ? "stopping" : failure == nil ? "ok" : "store failing"
        return (running && failure == nil, #"{"status":"\#(status)","running":\#(running),"store":"\#(store)"}"#)
    }

    /// The size of a file in bytes, 0 when it does not exist.
    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}

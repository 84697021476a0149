import ChatProtocol
import NIOCore
import NIOHTTP1
import NIOPosix

/// The metrics listener: HTTP/1.1 on its own port (loopback unless told otherwise), each
/// connection answered by a `MetricsEndpoint`. Not counted against the chat's admission limits.
enum MetricsPort {
    /// Binds `host:port` (worded errors: `ServerError.cannotListen`).
    static func bind(
        host: String, port: Int, scrape: @escaping @Sendable () -> MetricsScrape?, timeoutSeconds: Double,
        group: any EventLoopGroup
    ) async throws(ServerError) -> NIOAsyncChannel<any Channel, Never> {
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.allowRemoteHalfClosure, value: false)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(
                            MetricsEndpoint(scrape: scrape, timeoutSeconds: timeoutSeconds))
                        return channel
                    }
                }
        } catch {
            throw .cannotListen(host: host, port: port, cause: ErrorWording.listenFailure(error))
        }
    }

    /// Serves the accepted connections until the listener is closed; their handlers were added
    /// when they were accepted, so here they only need to be let go.
    static func serve(_ listener: NIOAsyncChannel<any Channel, Never>) async throws {
        try await listener.executeThenClose { inbound in
            for try await _ in inbound {}
        }
    }
}

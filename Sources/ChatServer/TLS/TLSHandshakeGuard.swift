import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// After `NIOSSLServerHandler` on a TLS connection: closes it when its handshake has not
/// completed within the timeout, and logs a failed handshake once, at info (a peer that went
/// away or spoke something else is no server error).
final class TLSHandshakeGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let logger: Logger
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var completed = false

    init(logger: Logger, timeoutSeconds: Double) {
        self.logger = logger
        self.timeout = .nanoseconds(Int64(timeoutSeconds * 1e9))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            completed = true
            timer?.cancel()
            timer = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !completed, case NIOSSLError.handshakeFailed = error else { return context.fireErrorCaught(error) }
        logger.info("\(ChatServer.describe(context.channel.remoteAddress)) TLS handshake failed: \(Self.reason(error))")
        context.close(promise: nil)
    }

    /// BoringSSL's reason (`TLSV1_ALERT_UNKNOWN_CA`) without its file and line, or the whole error.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        guard let start = text.range(of: "OPENSSL_internal:") else { return text }
        return String(text[start.upperBound...].prefix { $0 != " " && $0 != ")" })
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard timer == nil, !completed else { return }
        let (channel, logger, timeout) = (context.channel, logger, timeout)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            logger.info(
                "\(ChatServer.describe(channel.remoteAddress)) TLS handshake not completed within \(timeout.nanoseconds / 1_000_000_000) s: closed"
            )
            channel.close(promise: nil)
        }
    }
}

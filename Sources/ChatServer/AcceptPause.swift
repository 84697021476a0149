import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// On the listening channel: says once when accepting fails for want of file descriptors (or
/// kernel memory), and once when it works again.
///
/// The pause itself is NIO's: its `ServerBootstrap` puts an `AcceptBackoffHandler` on the
/// listening channel, which stops accepting for a second after an accept fails and then tries
/// again, so a server at its open-file limit does not spin on `accept` (the connections wait in
/// the kernel's backlog meanwhile). This handler sits before it and lets the error through.
final class AcceptPause: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let logger: Logger
    private var paused = false

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if paused {
            paused = false
            logger.notice("accepting connections again")
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, Self.isExhaustion(error.errnoCode), !paused {
            paused = true
            logger.warning(
                "cannot accept connections: \(error) (the open-file limit, ulimit -n, is reached?); pausing accepts until connections close"
            )
        }
        context.fireErrorCaught(error)
    }

    /// Out of descriptors or memory: waiting helps; accepting again at once would not.
    static func isExhaustion(_ code: Int32) -> Bool {
        code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM
    }
}

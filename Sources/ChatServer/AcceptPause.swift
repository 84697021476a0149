import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// On the listening channel: when accepting fails for want of file descriptors (or kernel
/// memory), stops accepting for `pause` and then tries again, saying so once, and once more when
/// it works again. Meanwhile new connections wait in the kernel's listen backlog.
///
/// NIO's own `AcceptBackoffHandler` (which its `ServerBootstrap` adds) does not stop the spin: the
/// failed accept leaves the channel's read pending and its socket registered for reading, so
/// epoll reports it readable at once and `accept` fails again, a core's worth of times a second
/// (measured: `FairLimitsTests`). Turning `autoRead` off takes the socket out of epoll's read set;
/// turning it on again after the pause puts it back.
final class AcceptPause: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let logger: Logger
    private let pause: TimeAmount
    private var paused = false
    private var resume: Scheduled<Void>?

    init(logger: Logger, pause: TimeAmount = .milliseconds(1000)) {
        self.logger = logger
        self.pause = pause
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if paused {
            paused = false
            logger.notice("accepting connections again")
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let ioError = error as? IOError, Self.isExhaustion(ioError.errnoCode) else {
            return context.fireErrorCaught(error)
        }
        if !paused {
            paused = true
            logger.warning(
                "cannot accept connections: \(ioError) (the open-file limit, ulimit -n?); pausing accepts until connections close"
            )
        }
        guard resume == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(.autoRead, value: false)
        let channel = context.channel
        let this = NIOLoopBound(self, eventLoop: context.eventLoop)
        resume = context.eventLoop.scheduleTask(in: pause) {
            this.value.resume = nil
            try? channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
    }

    /// Out of descriptors or memory: waiting helps; accepting again at once would not.
    static func isExhaustion(_ code: Int32) -> Bool {
        code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM
    }
}

import Logging
import NIOCore

/// First on a TLS connection: a peer whose first byte cannot start a TLS handshake (someone
/// typing into `nc`) is told in one plain line that this port speaks TLS, and closed; any other
/// steps this handler aside.
final class PlainTextOnTLSPort: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The first byte of a TLS record carrying a handshake message.
    static let handshakeRecord: UInt8 = 0x16
    static let notice =
        "error: this port speaks TLS: use chat-client --tls, or openssl s_client -quiet -connect HOST:PORT (nc: the plain port)."

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let first = unwrapInboundIn(data).readableBytesView.first else { return }
        guard first != Self.handshakeRecord else {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        logger.info("\(ChatServer.describe(context.channel.remoteAddress)) sent plain text to the TLS port: closed")
        var line = context.channel.allocator.buffer(capacity: Self.notice.utf8.count + 1)
        line.writeString(Self.notice + "\n")
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(line)).whenComplete { _ in channel.close(promise: nil) }
    }
}

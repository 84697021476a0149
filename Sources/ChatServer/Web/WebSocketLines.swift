import ChatProtocol
import NIOCore
import NIOWebSocket

/// Turns a WebSocket into the lines a door reads and writes: each text message (its fragments
/// gathered, at most `maxLineBytes` bytes) is one line in, each line out is one text frame. Answers
/// pings, and ends the connection with a close frame whose code says why: 1003 for binary data,
/// 1007 for text that is not UTF-8, 1009 for a message over the limit, 1002 for a broken frame (reserved bits included).
/// The frame decoder before it refuses single frames over the limit (1009) itself.
final class WebSocketLines: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = InboundLine
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private let maxLineBytes: Int
    /// The fragments of a text message so far.
    private var partial: ByteBuffer?
    private var closeSent = false

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !closeSent || frame.opcode == .connectionClose else { return }
        guard frame.maskKey != nil else { return fail(context, .protocolError, "client frames must be masked") }
        // No extension is negotiated, so a reserved bit set is a broken frame (RFC 6455, 5.2): a
        // compressed (RSV1) message must not be taken as text.
        guard !frame.rsv1, !frame.rsv2, !frame.rsv3 else {
            return fail(context, .protocolError, "reserved bits set: no extension was negotiated")
        }
        switch frame.opcode {
        case .text:
            guard partial == nil else { return fail(context, .protocolError, "a new message before the last ended") }
            if frame.fin {
                deliver(frame.unmaskedData, context: context)
            } else {
                partial = frame.unmaskedData
            }
        case .continuation:
            guard var message = partial else { return fail(context, .protocolError, "a continuation of nothing") }
            var data = frame.unmaskedData
            guard message.readableBytes + data.readableBytes <= maxLineBytes else {
                return fail(context, .messageTooLarge, "a message is at most \(maxLineBytes) bytes")
            }
            message.writeBuffer(&data)
            if frame.fin {
                partial = nil
                deliver(message, context: context)
            } else {
                partial = message
            }
        case .binary:
            fail(context, .unacceptableData, "binary frames are not spoken here: send JSON text frames")
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)))
                .whenFailure { _ in }
        case .pong:
            break
        case .connectionClose:
            if closeSent { return context.close(promise: nil) }
            // The peer's close, answered with its code, and the connection ends.
            var code = frame.unmaskedData
            let echo = code.readWebSocketErrorCode() ?? .normalClosure
            close(context, echo, "")
        default:
            fail(context, .protocolError, "unknown opcode")
        }
    }

    /// A whole text message: one line for the door, if it is UTF-8.
    private func deliver(_ message: ByteBuffer, context: ChannelHandlerContext) {
        guard String(validating: message.readableBytesView, as: UTF8.self) != nil else {
            return fail(context, .dataInconsistentWithMessage, "text frames must be UTF-8")
        }
        context.fireChannelRead(wrapInboundOut(.line(message)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closeSent else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        var lines = unwrapOutboundIn(data)
        var frames: [ByteBuffer] = []
        while let newline = lines.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            frames.append(lines.readSlice(length: newline - lines.readerIndex)!)
            lines.moveReaderIndex(forwardBy: 1)
        }
        if lines.readableBytes > 0 { frames.append(lines) }
        guard let last = frames.popLast() else {
            promise?.succeed(())
            return
        }
        for line in frames {
            context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: line)), promise: nil)
        }
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: last)), promise: promise)
    }

    /// The door's half-close (its last words are out) becomes a close frame first.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .output, !closeSent {
            closeSent = true
            context.writeAndFlush(wrapOutboundOut(closeFrame(.normalClosure, "goodbye", context)), promise: nil)
        }
        context.close(mode: mode, promise: promise)
    }

    /// Refuses what the peer sent: a close frame saying why, then the end.
    private func fail(_ context: ChannelHandlerContext, _ code: WebSocketErrorCode, _ reason: String) {
        partial = nil
        close(context, code, reason)
    }

    /// Sends a close frame (once), then closes the connection when it is out.
    private func close(_ context: ChannelHandlerContext, _ code: WebSocketErrorCode, _ reason: String) {
        guard !closeSent else { return context.close(promise: nil) }
        closeSent = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(closeFrame(code, reason, context))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    private func closeFrame(_ code: WebSocketErrorCode, _ reason: String, _ context: ChannelHandlerContext)
        -> WebSocketFrame
    {
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }
}

import NIOCore

/// One frame from a line-oriented peer.
public enum InboundLine: Sendable, Equatable {
    /// A complete line without its terminator (`\n` or `\r\n`).
    case line(ByteBuffer)
    /// A line longer than the limit; its bytes were discarded up to the next newline.
    case overlong(byteCount: Int)
    /// No line arrived within the greeting time limit (see `GreetingTimeoutHandler`).
    case greetingTimeout
}

/// Splits a byte stream into lines of at most `maxLineBytes` bytes. A longer line is reported as
/// `.overlong` once and skipped up to its end, so one bad line never costs the connection, and
/// memory per connection stays bounded by the limit.
public struct LineFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = InboundLine

    public let maxLineBytes: Int
    private var discarded = 0

    public init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maxLineBytes {
                // Too long already: drop what we have and remember how much.
                discarded += buffer.readableBytes
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
            return .needMoreData
        }
        let length = newline - view.startIndex
        if discarded > 0 || length > maxLineBytes {
            let total = discarded + length
            discarded = 0
            buffer.moveReaderIndex(forwardBy: length + 1)
            context.fireChannelRead(wrapInboundOut(.overlong(byteCount: total)))
            return .continue
        }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // A last line without a newline still counts (nc -N, printf without \n).
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 && discarded == 0 {
            var line = buffer.readSlice(length: buffer.readableBytes)!
            if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}

/// Emits `.greetingTimeout` once if no line has arrived `timeout` after the channel became active.
public final class GreetingTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = InboundLine
    public typealias InboundOut = InboundLine

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var settled = false

    public init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        settle()
        context.fireChannelRead(data)
        // Its work is done: leave the pipeline, and take its memory along.
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        settle()
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard timer == nil, !settled else { return }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = bound.value
            guard !handler.settled else { return }
            handler.settled = true
            context.fireChannelRead(handler.wrapInboundOut(.greetingTimeout))
            context.fireChannelReadComplete()
        }
    }

    private func settle() {
        settled = true
        timer?.cancel()
        timer = nil
    }
}

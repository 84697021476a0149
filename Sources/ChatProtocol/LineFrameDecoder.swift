import NIOCore

/// One frame from a line-oriented peer.
public enum InboundLine: Sendable, Equatable {
    /// A complete line without its terminator (`\n` or `\r\n`).
    case line(ByteBuffer)
    /// A line longer than the limit; its bytes were discarded up to the next newline.
    case overlong(byteCount: Int)
}

/// Splits a byte stream into lines whose content (without the `\n` or `\r\n` that ends them) is at
/// most `maxLineBytes` bytes. A longer line is reported as `.overlong` once and skipped up to its
/// end, so one bad line never costs the connection, and memory per connection stays bounded by the
/// limit.
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
            // Too long already, even for content followed by a `\r` whose `\n` is still to come:
            // drop what we have and remember how much.
            if buffer.readableBytes - 1 > maxLineBytes {
                discarded += buffer.readableBytes
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
            return .needMoreData
        }
        emit(length: newline - view.startIndex, terminator: 1, from: &buffer, context: context)
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // A last line without a newline still counts (nc -N, printf without \n).
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 && discarded == 0 {
            emit(length: buffer.readableBytes, terminator: 0, from: &buffer, context: context)
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    /// Reads a line of `length` bytes and its terminator, drops a `\r` before the terminator, and
    /// passes the line on, or `.overlong` when the content, with what was discarded of it, is too long.
    private mutating func emit(
        length: Int, terminator: Int, from buffer: inout ByteBuffer, context: ChannelHandlerContext
    ) {
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: terminator)
        if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
        if discarded > 0 || line.readableBytes > maxLineBytes {
            let total = discarded + line.readableBytes
            discarded = 0
            context.fireChannelRead(wrapInboundOut(.overlong(byteCount: total)))
        } else {
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
    }
}

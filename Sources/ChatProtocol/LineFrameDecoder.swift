import NIOCore

/// One frame from a line-oriented peer.
public enum InboundLine: Sendable, Equatable {
    /// A complete line without its terminator (`\n` or `\r\n`).
    case line(ByteBuffer)
    /// A line longer than the limit; its bytes were discarded up to the next newline.
    case overlong(byteCount: Int)
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

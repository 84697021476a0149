import Foundation

/// Standard input as an async stream of byte chunks, read on a thread of its own so that a
/// blocking `read` never holds up the cooperative pool. The stream ends at end of input.
public enum StandardInput {
    public static func chunks(descriptor: Int32 = STDIN_FILENO) -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
                if count > 0 {
                    continuation.yield(Array(buffer[0..<count]))
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            continuation.finish()
        }
        thread.name = "chat-client stdin"
        thread.start()
        return stream
    }
}

/// Splits bytes into lines: `\n` or `\r\n` ends a line; a last line without one still counts.
/// Invalid UTF-8 becomes U+FFFD. A line longer than `maxLineBytes` is dropped (and counted in
/// `droppedLines`), so that input without newlines never piles up.
public struct LineSplitter: Sendable {
    /// Far above what a server accepts in a line (4096 bytes by default).
    public static let defaultMaxLineBytes = 64 * 1024
    public let maxLineBytes: Int
    /// Lines dropped for their length since this was last set to 0.
    public var droppedLines = 0
    private var pending: [UInt8] = []
    /// The line now pending is too long: skip to its end.
    private var skipping = false

    public init(maxLineBytes: Int = LineSplitter.defaultMaxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// The lines completed by `bytes`.
    public mutating func feed(_ bytes: [UInt8]) -> [String] {
        pending.append(contentsOf: bytes)
        var lines: [String] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if skipping || end - start > maxLineBytes {
                skipping = false
                droppedLines += 1
            } else {
                lines.append(String(decoding: pending[start..<end], as: UTF8.self))
            }
            start = newline + 1
        }
        pending.removeFirst(start)
        // No newline yet: keep at most one byte more than a line may have (a `\r` may still come).
        if pending.count > maxLineBytes + 1 {
            skipping = true
            pending.removeAll(keepingCapacity: true)
        }
        return lines
    }

    /// At end of input: the unterminated last line, if any.
    public mutating func finish() -> String? {
        defer {
            pending = []
            skipping = false
        }
        if skipping {
            droppedLines += 1
            return nil
        }
        guard !pending.isEmpty else { return nil }
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        return String(decoding: pending, as: UTF8.self)
    }
}

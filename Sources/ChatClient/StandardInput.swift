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
/// Invalid UTF-8 becomes U+FFFD.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// The lines completed by `bytes`.
    public mutating func feed(_ bytes: [UInt8]) -> [String] {
        pending.append(contentsOf: bytes)
        var lines: [String] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            lines.append(String(decoding: pending[start..<end], as: UTF8.self))
            start = newline + 1
        }
        pending.removeFirst(start)
        return lines
    }

    /// At end of input: the unterminated last line, if any.
    public mutating func finish() -> String? {
        defer { pending = [] }
        guard !pending.isEmpty else { return nil }
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        return String(decoding: pending, as: UTF8.self)
    }
}

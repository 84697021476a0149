import Foundation

/// Standard input as an async sequence of byte chunks, read on a thread of its own so that a
/// blocking `read` never holds up the cooperative pool. The sequence ends at end of input.
public enum StandardInput {
    /// At most `maxPending` chunks (of up to 4 KiB) are read ahead of the consumer; then the
    /// thread stops reading, so whatever writes to the input is held back instead of piling up here.
    public static func chunks(descriptor: Int32 = STDIN_FILENO, maxPending: Int = 16) -> InputChunks {
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let room = ReadAhead(max(maxPending, 1))
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                room.wait()
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
                if count > 0 {
                    continuation.yield(Array(buffer[0..<count]))
                } else if count < 0 && errno == EINTR {
                    room.signal()
                    continue
                } else {
                    break
                }
            }
            continuation.finish()
        }
        thread.name = "chat-client stdin"
        thread.start()
        return InputChunks(stream: stream, room: room)
    }
}

/// Chunks of input; taking one lets the reading thread read one more.
public struct InputChunks: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let stream: AsyncStream<[UInt8]>
    let room: ReadAhead

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<[UInt8]>.Iterator
        let room: ReadAhead

        public mutating func next() async -> [UInt8]? {
            guard let chunk = await base.next() else { return nil }
            room.signal()
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), room: room)
    }
}

/// How many more chunks the reading thread may read ahead; it waits for room when there is none.
/// (Not a DispatchSemaphore: libdispatch traps when one is freed below its initial value.)
final class ReadAhead: @unchecked Sendable {
    private let condition = NSCondition()
    private var room: Int  // guarded by `condition`

    init(_ room: Int) {
        self.room = room
    }

    /// Takes room for one chunk, waiting for it.
    func wait() {
        condition.lock()
        while room == 0 { condition.wait() }
        room -= 1
        condition.unlock()
    }

    /// Gives room for one chunk back.
    func signal() {
        condition.lock()
        room += 1
        condition.signal()
        condition.unlock()
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

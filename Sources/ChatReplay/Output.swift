#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a transcript goes: a buffered byte sink. Memory stays bounded by the buffer size.
public protocol TranscriptOutput: AnyObject {
    /// Appends text; may write through when the buffer is full.
    func write(_ text: String) throws(ReplayError)
    /// Writes everything buffered.
    func flush() throws(ReplayError)
}

/// A file descriptor behind a 64 KiB buffer: standard output or a file created with `-o`.
public final class FileOutput: TranscriptOutput {
    private let fd: Int32
    private let name: String
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private let capacity = 64 * 1024

    private init(fd: Int32, name: String, ownsDescriptor: Bool) {
        self.fd = fd
        self.name = name
        self.ownsDescriptor = ownsDescriptor
        buffer.reserveCapacity(capacity)
    }

    /// Standard output.
    public static func standardOutput() -> FileOutput {
        FileOutput(fd: STDOUT_FILENO, name: "standard output", ownsDescriptor: false)
    }

    /// Creates or truncates `path`.
    public static func create(path: String) throws(ReplayError) -> FileOutput {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ReplayError("\(path): cannot write: \(String(cString: strerror(errno)))") }
        return FileOutput(fd: fd, name: path, ownsDescriptor: true)
    }

    deinit {
        if ownsDescriptor { _ = posixClose(fd) }
    }

    public func write(_ text: String) throws(ReplayError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { try flush() }
    }

    public func flush() throws(ReplayError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { bytes in
                posixWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                buffer.removeAll(keepingCapacity: true)
                throw ReplayError("\(name): cannot write: \(reason)")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file, closes it, reporting a failed close (full disk on NFS and the like).
    public func finish() throws(ReplayError) {
        try flush()
        if ownsDescriptor, fsync(fd) != 0, errno != EINVAL {
            throw ReplayError("\(name): cannot write: \(String(cString: strerror(errno)))")
        }
    }
}

/// Collects a transcript in memory (tests, previews).
public final class StringOutput: TranscriptOutput {
    public private(set) var text = ""

    public init() {}

    public func write(_ text: String) throws(ReplayError) { self.text += text }

    public func flush() throws(ReplayError) {}
}

private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }

private func posixClose(_ fd: Int32) -> Int32 { close(fd) }

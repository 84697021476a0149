import ChatModel
import ChatStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A progress line on standard error for long exports: shown only when standard error is a
/// terminal, only after the first second, and redrawn at most four times a second.
public final class ProgressLine {
    private let enabled: Bool
    private let started = currentTimeMillis()
    private var lastDrawn: Int64 = 0
    private var shown = false

    public init(enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.enabled = enabled
    }

    /// Called for every event; cheap unless a redraw is due.
    public func update(count: Int, lastID: Int64) {
        guard enabled, count & 1023 == 0 else { return }
        let now = currentTimeMillis()
        guard now - started >= 1000, now - lastDrawn >= 250 else { return }
        lastDrawn = now
        shown = true
        let rate = Int64(count) * 1000 / max(1, now - started)
        standardError("\r\u{1B}[Kexporting: \(count) events, id \(lastID), \(rate) events/s")
    }

    /// Clears the line.
    public func finish() {
        if shown { standardError("\r\u{1B}[K") }
    }
}

/// Writes `text` to standard error unbuffered.
public func standardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}

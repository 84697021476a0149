#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The settings to put back, for the `atexit` handler (set once, before raw mode starts).
nonisolated(unsafe) private var savedSettings: termios?

/// The user's terminal: raw mode on and off, its width, and unbuffered writes.
///
/// Raw mode is undone by `restore()`, which every exit path calls, and by an `atexit` handler
/// as a last resort, so the shell is never left without echo.
public enum Terminal {
    /// True when `descriptor` is a terminal.
    public static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }

    /// Turns off echo, line buffering and signal keys (Ctrl+C arrives as a byte) on standard input.
    public static func enterRawMode() -> Bool {
        change { raw in
            raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
            raw.c_iflag &= ~tcflag_t(IXON | ICRNL | BRKINT | INPCK | ISTRIP)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
        }
    }

    /// Turns off echo only (for a listener, which reads no keys: what is typed must not show).
    /// Ctrl+C still sends SIGINT.
    public static func disableEcho() -> Bool {
        change { $0.c_lflag &= ~tcflag_t(ECHO) }
    }

    /// Applies `edit` to standard input's settings, saving the originals for `restore()` first.
    private static func change(_ edit: (inout termios) -> Void) -> Bool {
        var settings = termios()
        guard tcgetattr(STDIN_FILENO, &settings) == 0 else { return false }
        if savedSettings == nil {
            savedSettings = settings
            atexit { Terminal.restore() }
        }
        var raw = settings
        edit(&raw)
        return tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0
    }

    /// Puts the terminal back as it was before `enterRawMode`.
    public static func restore() {
        guard var settings = savedSettings else { return }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &settings)
    }

    /// Columns of the terminal on standard output (80 when unknown).
    public static var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// Writes all of `text` to standard output, now.
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                systemWrite(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            offset += written
        }
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Musl)
    private let systemWrite = Musl.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A terminal switched to raw input for as long as this lives: keys arrive one at a time, are
/// never echoed, and Ctrl+C arrives as a byte instead of a signal. Output is untouched (newlines
/// still return the carriage). `restore` puts the terminal back as it was.
public final class RawTerminal {
    private let fd: Int32
    private var saved: termios
    private var restored = false

    /// Nil when `fd` is not a terminal.
    public init?(fd: Int32 = STDIN_FILENO) {
        var settings = termios()
        guard isatty(fd) == 1, tcgetattr(fd, &settings) == 0 else { return nil }
        self.fd = fd
        saved = settings
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        settings.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &settings) == 0 else { return nil }
    }

    /// Gives the terminal its settings back; once.
    public func restore() {
        guard !restored else { return }
        restored = true
        _ = tcsetattr(fd, TCSANOW, &saved)
    }

    deinit { restore() }

    /// The terminal's width in columns, 80 when unknown.
    public static func columns(fd: Int32 = STDOUT_FILENO) -> Int {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}

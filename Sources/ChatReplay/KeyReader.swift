import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads keys from a terminal on a thread of its own and sends the commands they make to an
/// inbox, until end of input. SIGINT and SIGTERM from elsewhere become `.quit` too, so the
/// terminal is always restored.
public final class KeyReader {
    private let signals: [any DispatchSourceSignal]

    public init(fd: Int32 = STDIN_FILENO, inbox: PlayerInbox) {
        // A blocking read holds one dispatch worker thread until input ends (or the process does).
        DispatchQueue(label: "chat-replay.keys").async {
            var decoder = KeyDecoder()
            var buffer = [UInt8](repeating: 0, count: 64)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
                for command in decoder.feed(buffer[..<count]) { inbox.send(command) }
            }
        }
        signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { inbox.send(.quit) }
            source.resume()
            return source
        }
    }

    /// Gives the signals back to their default actions (the reading thread ends with the process).
    public func stop() {
        for source in signals {
            source.cancel()
        }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a handler when one of some signals arrives, on a dispatch queue rather than in signal
/// context. The signals' default actions are off while it lives.
/// `@unchecked`: the sources are fixed at init, and cancelling a dispatch source is thread-safe.
public final class SignalWatcher: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    public init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "chat-client signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    /// Stops watching.
    public func cancel() {
        for source in sources { source.cancel() }
    }
}

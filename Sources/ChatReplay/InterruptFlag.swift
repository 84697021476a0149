import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns SIGINT (Ctrl+C) into a flag a polling loop checks, so `--follow` stops cleanly with its
/// output flushed instead of being killed mid-line.
public final class InterruptFlag {
    private let state = Raised()
    private let source: any DispatchSourceSignal

    /// Starts catching SIGINT; `stop` gives it back to the default action.
    public init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let state = state
        source.setEventHandler { state.flag.store(true, ordering: .releasing) }
        source.resume()
    }

    public var isRaised: Bool { state.flag.load(ordering: .acquiring) }

    public func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    private final class Raised: Sendable {
        let flag = Atomic<Bool>(false)
    }
}

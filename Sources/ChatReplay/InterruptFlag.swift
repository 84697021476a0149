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
final class InterruptFlag {
    private let state = Raised()
    private let source: any DispatchSourceSignal

    /// Starts catching SIGINT; `stop` gives it back to the default action.
    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let state = state
        source.setEventHandler { state.flag.store(true, ordering: .releasing) }
        source.resume()
    }

    var isRaised: Bool { state.flag.load(ordering: .acquiring) }

    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    private final class Raised: Sendable {
        let flag = Atomic<Bool>(false)
    }
}

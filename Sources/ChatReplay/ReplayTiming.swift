import ChatModel
import ChatStore

/// How replay spaces events: the original gaps divided by `speed`, each capped at `maxIdle`
/// seconds (after scaling), or none at all when `instant`.
public struct ReplayTiming: Sendable, Equatable {
    public var speed: Double
    public var maxIdle: Double?
    public var instant: Bool

    public init(speed: Double = 1, maxIdle: Double? = nil, instant: Bool = false) {
        self.speed = speed
        self.maxIdle = maxIdle
        self.instant = instant
    }

    /// The wait between two events `gapMillis` apart in the original.
    public func delay(gapMillis: Int64) -> Duration {
        guard !instant, gapMillis > 0, speed > 0 else { return .zero }
        var seconds = Double(gapMillis) / 1000 / speed
        if let maxIdle { seconds = min(seconds, max(0, maxIdle)) }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

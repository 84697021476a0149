/// Delays between reconnection attempts: doubling from `initial` up to `cap`, each one jittered
/// (a random part of the delay) so that many clients do not all come back at the same moment.
public struct Backoff: Sendable {
    /// The first delay, in seconds.
    public var initial: Double
    /// The longest delay, in seconds.
    public var cap: Double
    /// The share of each delay that is random, 0...1: 0.5 gives a delay between half and all of the step.
    public var jitter: Double
    private var attempt = 0

    public init(initial: Double = 0.5, cap: Double = 15, jitter: Double = 0.5) {
        self.initial = max(initial, 0)
        self.cap = max(cap, self.initial)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The attempts made since the last `reset`.
    public var attempts: Int { attempt }

    /// The step before jitter for the current attempt.
    var step: Double {
        min(cap, initial * Double(1 << min(attempt, 30)))
    }

    /// The delay before the next attempt, in seconds; `random` gives a value in 0..<1.
    public mutating func next(random: () -> Double = { Double.random(in: 0..<1) }) -> Double {
        let full = step
        attempt += 1
        return full * (1 - jitter) + full * jitter * random()
    }

    /// After a successful connection: the next failure starts from `initial` again.
    public mutating func reset() {
        attempt = 0
    }
}

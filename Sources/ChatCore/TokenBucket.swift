/// A token bucket: `burst` tokens, refilled at `rate` a second. Measures in seconds of any clock.
public struct TokenBucket: Sendable, Equatable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var last: Double

    public init(rate: Double, burst: Int, now: Double) {
        self.rate = rate
        self.burst = Double(max(1, burst))
        self.tokens = self.burst
        self.last = now
    }

    /// Takes one token; returns 0 when one was there, else the seconds to wait for it
    /// (the token is then spent in advance).
    public mutating func take(now: Double) -> Double {
        guard rate > 0 else { return 0 }
        tokens = min(burst, tokens + (now - last) * rate)
        last = now
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / rate
    }

    /// Takes one token if one is there and returns 0; else takes nothing and returns the seconds
    /// until one will be (for limits that refuse rather than delay).
    public mutating func takeIfAvailable(now: Double) -> Double {
        guard rate > 0 else { return 0 }
        tokens = min(burst, tokens + (now - last) * rate)
        last = now
        guard tokens >= 1 else { return (1 - tokens) / rate }
        tokens -= 1
        return 0
    }
}

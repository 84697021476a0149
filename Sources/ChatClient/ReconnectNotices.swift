/// Keeps a long outage from filling a log: of the reconnection attempts in a row, a pipe shows
/// the first, then one only when the reason changes or every `every` attempts.
public struct ReconnectNotices: Sendable {
    /// Attempts between two notices that say the same.
    public let every: Int
    private var lastFailure: String??

    public init(every: Int = 10) {
        self.every = max(every, 1)
    }

    /// True when `output` is to be shown; a (re)connection starts a new run of attempts.
    public mutating func shows(_ output: ClientOutput) -> Bool {
        switch output {
        case .joined:
            lastFailure = nil
            return true
        case .reconnecting(let attempt, _, let failure):
            defer { lastFailure = .some(failure) }
            return lastFailure == nil || lastFailure != .some(failure) || attempt % every == 0
        default:
            return true
        }
    }
}

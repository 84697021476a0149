/// Remembers the events shown, so that a reconnection resumes right after the last one and an
/// event is never shown twice, and checks each id the server sends before trusting it.
///
/// A server that sends a bad id (negative, a jump to `Int64.max`, an old one out of order) must
/// not make the client drop what follows: such an event is shown with a warning but does not
/// move the resume mark. Only a real replay, an id shown before, is dropped.
public struct ResumeTracker: Sendable, Equatable {
    /// What to do with an event.
    public enum Verdict: Sendable, Equatable {
        /// Not shown before: show it; it is now the last shown.
        case new
        /// Shown before (a replay): drop it.
        case duplicate
        /// Shown with this warning; it is not trusted to resume from.
        case suspicious(String)
    }

    /// How many of the ids shown last are remembered, to tell a replay from an event out of order.
    public static let remembered = 1024
    /// The largest id believed: no room records 2^53 events (and JSON numbers stay exact below it).
    public static let maxID: Int64 = 1 << 53
    /// The largest believable step between two events a client sees: more than any room records
    /// while a client is away, far less than a jump that would stop resume.
    public static let maxJump: Int64 = 1 << 32

    /// The id of the last event shown that can be resumed from; nil before the first.
    public private(set) var lastShown: Int64?
    /// The ids shown last, oldest first (at most `remembered`), and the same as a set.
    private var recent: [Int64] = []
    private var recentSet: Set<Int64> = []
    private var oldest = 0

    public init(lastShown: Int64? = nil) {
        self.lastShown = lastShown
    }

    /// True when the event is to be shown; false when it was shown before.
    public mutating func admit(_ id: Int64) -> Bool {
        judge(id) != .duplicate
    }

    /// What to do with the event `id`; it then counts as shown, unless it is a duplicate.
    public mutating func judge(_ id: Int64) -> Verdict {
        if recentSet.contains(id) { return .duplicate }
        let untrusted = " from the server: shown, but not used to resume"
        if id <= 0 {
            remember(id)
            return .suspicious("an event with an impossible id (\(id))" + untrusted)
        }
        if let lastShown, id <= lastShown {
            // Older than everything remembered: it may well have been shown; take it as a replay.
            if recent.count == Self.remembered, id < recent.min() ?? 0 { return .duplicate }
            remember(id)
            return .suspicious("event \(id) out of order, after \(lastShown)," + untrusted)
        }
        let jump = lastShown.map { id - $0 > Self.maxJump } ?? false
        if id > Self.maxID || jump {
            remember(id)
            let after = lastShown.map { ", after \($0)" } ?? ""
            return .suspicious("an event with an implausible id (\(id)\(after))" + untrusted)
        }
        lastShown = id
        remember(id)
        return .new
    }

    /// After a gap the server goes on from `resumedAfter` (0 when it is a different record).
    /// False, and nothing changes, when `resumedAfter` is not a believable id.
    @discardableResult
    public mutating func skip(to resumedAfter: Int64) -> Bool {
        guard (0...Self.maxID).contains(resumedAfter) else { return false }
        lastShown = resumedAfter
        recent = []
        recentSet = []
        oldest = 0
        return true
    }

    private mutating func remember(_ id: Int64) {
        if recent.count < Self.remembered {
            recent.append(id)
        } else {
            recentSet.remove(recent[oldest])
            recent[oldest] = id
            oldest = (oldest + 1) % Self.remembered
        }
        recentSet.insert(id)
    }
}

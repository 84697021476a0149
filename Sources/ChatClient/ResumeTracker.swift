/// Remembers the last event shown, so that a reconnection resumes right after it and an event
/// is never shown twice.
public struct ResumeTracker: Sendable, Equatable {
    /// The id of the last event shown; nil before the first.
    public private(set) var lastShown: Int64?

    public init(lastShown: Int64? = nil) {
        self.lastShown = lastShown
    }

    /// True when the event is new (and is now the last shown); false when it was shown before.
    public mutating func admit(_ id: Int64) -> Bool {
        if let lastShown, id <= lastShown { return false }
        lastShown = id
        return true
    }

    /// After a gap the server goes on from `resumedAfter` (0 when it is a different record).
    public mutating func skip(to resumedAfter: Int64) {
        lastShown = resumedAfter
    }
}

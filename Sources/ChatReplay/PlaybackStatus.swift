/// Where an interactive replay stands, and the progress line that shows it:
/// `▶ 0:12 / 3:45  events 12/340  space pause · → skip`.
public struct PlaybackStatus: Sendable, Equatable {
    /// Events shown so far, and in all.
    public var played: Int
    public var total: Int
    /// Original time from the first event to the playhead, and to the last event.
    public var positionMillis: Int64
    public var durationMillis: Int64
    public var paused: Bool

    public init(played: Int, total: Int, positionMillis: Int64, durationMillis: Int64, paused: Bool) {
        self.played = played
        self.total = total
        self.positionMillis = positionMillis
        self.durationMillis = durationMillis
        self.paused = paused
    }

    /// The progress line, at most `width` characters.
    public func line(width: Int = 80) -> String {
        let time = "\(Self.clock(positionMillis)) / \(Self.clock(durationMillis))"
        let keys = paused ? "space resume · . step · → skip" : "space pause · → skip"
        let line = "\(paused ? "⏸" : "▶") \(time)  events \(played)/\(total)  \(keys)"
        return String(line.prefix(max(0, width)))
    }

    /// `0:07`, `12:34`, `1:02:03`: original time, rounded down to the second.
    public static func clock(_ millis: Int64) -> String {
        let seconds = max(0, millis) / 1000
        let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(rest))" : "\(minutes):\(two(rest))"
    }
}

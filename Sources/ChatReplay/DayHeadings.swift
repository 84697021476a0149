import ChatModel

/// The clock and the current day of the formats that head each day (Markdown, HTML).
struct DayHeadings {
    /// Local time instead of UTC.
    var local = false
    /// The day of the last event written; nil before the first.
    private(set) var day: String?

    /// `Times in UTC.` or `Times in local time.`
    var note: String { "Times in \(local ? "local time" : "UTC")." }

    /// The day of `millis` when it starts a new one (`2026-11-22`), else nil.
    mutating func newDay(_ millis: Int64) -> String? {
        let today = Timestamp.day(millis, local: local)
        guard today != day else { return nil }
        day = today
        return today
    }
}

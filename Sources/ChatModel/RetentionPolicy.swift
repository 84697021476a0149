/// How long events are kept: a limit for every room (`--retain 90d`), and rooms that keep theirs
/// longer, shorter or forever (`--retain-room dev=7d`, `--retain-room announcements=forever`).
/// Private messages (the `Room.privateName` room) follow the global limit.
public struct RetentionPolicy: Sendable, Hashable {
    /// Milliseconds an event is kept in rooms without an override; nil: forever.
    public var defaultMillis: Int64?
    /// Per room, keyed by `Room.key`: milliseconds, or nil for forever.
    public var roomMillis: [String: Int64?]

    public init(defaultMillis: Int64? = nil, roomMillis: [String: Int64?] = [:]) {
        self.defaultMillis = defaultMillis
        self.roomMillis = roomMillis
    }

    /// True when some room has a limit: there is something to purge.
    public var isActive: Bool {
        defaultMillis != nil || roomMillis.values.contains { $0 != nil }
    }

    /// How long events of `room` are kept, in milliseconds; nil: forever.
    public func millis(forRoom room: String) -> Int64? {
        if let override = roomMillis[Room.key(room)] { return override }
        return defaultMillis
    }

    /// The milliseconds of a duration as `DurationWords` reads it (`90d`, `12h`, `30m`); nil for
    /// `forever` or `off`; an error sentence otherwise.
    public static func parseDuration(_ text: String) -> Result<Int64?, RetentionProblem> {
        if ["forever", "off"].contains(text.lowercased()) { return .success(nil) }
        guard let seconds = DurationWords.seconds(text) else {
            return .failure(RetentionProblem("\(text) is no duration: say 90d, 12h, 30m, 2w, or forever"))
        }
        return .success(Int64(seconds) * 1000)
    }

    /// Adds `ROOM=DURATION` (`dev=7d`, `lobby=forever`).
    public mutating func addRoom(_ assignment: String) -> Result<Void, RetentionProblem> {
        guard let equals = assignment.firstIndex(of: "=") else {
            return .failure(RetentionProblem("\(assignment): say ROOM=DURATION, for instance dev=7d or dev=forever"))
        }
        let typed = String(assignment[..<equals])
        guard case .success(let room) = Room.name(typed) else {
            return .failure(RetentionProblem("\(typed) is no room name"))
        }
        switch Self.parseDuration(String(assignment[assignment.index(after: equals)...])) {
        case .success(let millis):
            roomMillis[Room.key(room)] = .some(millis)
            return .success(())
        case .failure(let problem):
            return .failure(problem)
        }
    }
}

/// Why a retention option cannot be read, in a sentence.
public struct RetentionProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

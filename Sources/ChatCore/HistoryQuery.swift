import ChatModel

/// A window of a room's messages (IRCv3 `CHATHISTORY`): the latest, those before or after a
/// point, around it, or between two; at most `limit`. Points are event ids or times.
public struct HistoryQuery: Sendable, Equatable {
    /// A point in the record: an event's id, or a time (milliseconds since 1970, UTC).
    public enum Point: Sendable, Equatable {
        case id(Int64)
        case time(Int64)
    }

    public enum Window: Sendable, Equatable {
        /// The newest messages, after `point` when given.
        case latest(after: Point?)
        /// The newest messages before `point`.
        case before(Point)
        /// The oldest messages after `point`.
        case after(Point)
        /// Half before `point`, half from it on.
        case around(Point)
        /// The messages between two points, the closest to the first.
        case between(Point, Point)
    }

    public var window: Window
    public var limit: Int

    public init(_ window: Window, limit: Int) {
        self.window = window
        self.limit = limit
    }
}

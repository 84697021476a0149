/// How long a target asks a member to wait before it may make another room.
enum RoomPace {
    /// The seconds in a refusal like `error: you are making new rooms too fast; try again in 5 s.`
    /// (at most 120); nil for any other refusal (a room limit that waiting does not lift).
    static func retrySeconds(_ message: String) -> Int? {
        let marker = "try again in "
        guard message.contains("too fast"), let start = message.ranges(of: marker).last?.upperBound else { return nil }
        let digits = message[start...].prefix { $0.isASCII && $0.isNumber }
        return Int(digits).map { min(max($0, 1), 120) }
    }
}

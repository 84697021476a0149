import ChatModel

/// Events as plain lines: in the server's plain mode, the client's pipe mode and text exports.
/// The words are `EventWords`'; these add only the time.
public enum PlainText {
    /// `alice: hi`, `* alice waves`, `alice joined the chat`, `alice left the chat (connection lost)`.
    public static func line(_ event: Event) -> String {
        EventWords(event).plain
    }

    /// `[2026-11-22 10:01:02] alice: hi`: a line of history, with its time (UTC unless `local`).
    public static func historyLine(_ event: Event, local: Bool = false) -> String {
        "[\(Timestamp.readable(event.timeMillis, local: local))] \(line(event))"
    }
}

import ChatModel

/// How events read as plain text: in the server's plain mode, the client's pipe mode and text exports.
public enum PlainText {
    /// `alice: hi`, `* alice waves`, `alice joined the chat`, `alice left the chat (connection lost)`.
    public static func line(_ event: Event) -> String {
        switch event.kind {
        case .message: return "\(event.user): \(event.text)"
        case .action: return "* \(event.user) \(event.text)"
        case .join: return "\(event.user) joined the chat"
        case .leave: return "\(event.user) left the chat\(reasonSuffix(event))"
        }
    }

    /// ` (connection lost)` after a leave the server decided; empty for a quit and other kinds.
    public static func reasonSuffix(_ event: Event) -> String {
        guard event.kind == .leave, let reason = event.reason, reason != .quit else { return "" }
        return " (\(reason.words))"
    }

    /// `[2026-11-22 10:01:02] alice: hi`: a line of history, with its time (UTC unless `local`).
    public static func historyLine(_ event: Event, local: Bool = false) -> String {
        "[\(Timestamp.readable(event.timeMillis, local: local))] \(line(event))"
    }
}

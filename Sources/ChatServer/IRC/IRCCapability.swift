import ChatProtocol

/// The IRCv3 capabilities the IRC door offers (`CAP LS 302`).
enum IRCCapability: String, CaseIterable, Sendable {
    /// `@time=` on every event: when it was committed.
    case serverTime = "server-time"
    /// Tags at all, and `msgid` (the event's id).
    case messageTags = "message-tags"
    /// The client's own messages come back, as everyone else sees them.
    case echoMessage = "echo-message"
    /// History comes wrapped in a `BATCH`.
    case batch
    /// `CHATHISTORY`, and no history on join (the client asks for it).
    case chatHistory = "draft/chathistory"
    /// Both prefixes (`@+`) in NAMES and WHO of someone who is an operator and voiced.
    case multiPrefix = "multi-prefix"
    /// `nick!user@host` in NAMES.
    case userhostInNames = "userhost-in-names"
    /// `AUTHENTICATE PLAIN`: an account's name and password before registration ends.
    case sasl

    /// The tags of events for a client with `capabilities`.
    static func tags(_ capabilities: Set<IRCCapability>) -> IRCLines.Tags {
        if capabilities.contains(.messageTags) { return [.time, .msgid] }
        return capabilities.contains(.serverTime) ? .time : []
    }

    /// `CAP LS`'s list; with values for `CAP LS 302` (`sasl=PLAIN`).
    static func offered(withValues: Bool) -> String {
        allCases.map { $0 == .sasl && withValues ? "sasl=PLAIN" : $0.rawValue }.joined(separator: " ")
    }
}

import ChatCore
import ChatModel

/// The words of accounts and moderation, for both doors.
extension PlainTexts {
    static func passwordNeeded(_ name: String) -> String {
        "\(name) is a registered name. Type its password (only the server sees it), or {quit}:"
    }

    static func registered(_ name: String) -> String {
        "*** The name \(name) is registered to you now: next time, give its password after the name."
    }

    static func removed(by: String, reason: LeaveReason, why: String) -> String {
        let done = reason == .banned ? "banned you from this server" : "put you out of this server"
        return "*** \(by) \(done)\(why.isEmpty ? "" : " (\(why))"). Goodbye!"
    }

    /// `until 2026-12-01 10:00 UTC` or `until an operator lifts it`, and why.
    static func sanction(_ words: SanctionWords) -> String {
        let until = words.untilMillis.map { "until \(Timestamp.readable($0)) UTC" } ?? "until an operator lifts it"
        return until + (words.reason.isEmpty ? "" : " (\(words.reason))")
    }

    /// The words for a failure of accounts or moderation; nil for the others.
    static func accountWords(_ failure: Failure) -> String? {
        switch failure {
        case .wrongPassword(let name): return "error: wrong password for \(name). Type your name:"
        case .tooManyAttempts(let seconds):
            return
                "error: too many wrong passwords; try again in \(Int(seconds.rounded(.up))) s. Type your name:"
        case .noSuchAccount(let name): return "error: \(name) is not a registered name; give it without a password."
        case .accountRequired:
            return "error: this server is for registered names only; ask an operator for an account or an invite."
        case .plaintextPassword:
            return
                "error: passwords are not taken over an unencrypted connection from the network; connect with TLS (chat-client --tls, or openssl s_client)."
        case .banned(let words): return "*** You are banned from this server \(sanction(words)). Goodbye!"
        case .muted(let words): return "error: you are muted \(sanction(words)); nothing was sent."
        case .notOperator: return "error: only operators may do that."
        case .registrationClosed:
            return "error: registration is closed on this server; ask an operator (chat-server account add)."
        case .inviteNeeded: return "error: registering needs an invite: /register PASSWORD INVITE"
        case .badInvite: return "error: that invite is unknown, used up or expired."
        case .registeringTooFast(let seconds):
            return
                "error: too many names registered from your address this hour; try again in \(Int(seconds.rounded(.up) / 60) + 1) min."
        case .passwordTooShort(let minimum): return "error: a password needs at least \(minimum) characters."
        case .nameRegistered(let name): return "error: \(name) is registered already (or a name that looks like it)."
        case .alreadyRegistered(let name): return "error: \(name) is registered already: it is yours."
        case .accountsUnavailable(let reason): return "error: the accounts cannot be reached (\(reason))."
        default: return nil
        }
    }

    static let accountHelp = """
        Accounts: /register PASSWORD [INVITE] (keep your name; give it with its password next time). \
        Operators: /kick NAME [REASON], /ban NAME|ADDRESS [DURATION] [REASON], /unban NAME|ADDRESS, \
        /mute NAME [DURATION] [REASON], /unmute NAME (DURATION like 30m, 2h, 7d).
        """
}

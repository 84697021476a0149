import ArgumentParser
import ChatCore
import ChatModel
import ChatStore
import Foundation

/// `chat-server invite ...`: invites to register a name.
struct InviteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invite",
        abstract: "Make invites: tokens with which newcomers register their own name.",
        subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an invite token: printed once on stdout, only its hash is stored.",
            discussion: """
                A newcomer connects, takes a free name and sends `/register PASSWORD TOKEN`: the \
                name becomes theirs. The token is shown only now; the database keeps its SHA-256.
                """)

        @Option(parsing: .unconditional, help: "How many registrations the token allows.")
        var uses = 1

        @Option(parsing: .unconditional, help: "How long it is good for: a number and s, m, h or d (30m, 12h, 7d).")
        var expires = "7d"

        @OptionGroup var options: DatabaseOption

        func validate() throws {
            guard uses >= 1 else { throw ValidationError("--uses must be at least 1") }
            guard Self.millis(expires) != nil else {
                throw ValidationError("--expires: \(expires) is not a duration (a number and s, m, h or d: 30m, 7d)")
            }
        }

        /// `30s`, `15m`, `12h`, `7d` in milliseconds; nil when it is not one.
        static func millis(_ text: String) -> Int64? {
            guard let unit = text.last, let count = Int64(text.dropLast()), count > 0,
                text.dropLast().allSatisfy(\.isASCII)
            else { return nil }
            let scale: Int64
            switch unit {
            case "s": scale = 1000
            case "m": scale = 60_000
            case "h": scale = 3_600_000
            case "d": scale = 86_400_000
            default: return nil
            }
            guard count <= Int64.max / scale / 2 else { return nil }
            return count * scale
        }

        func run() throws {
            try CommandFailure.report {
                guard let duration = Self.millis(expires) else { throw CommandFailure("bad duration \(expires)") }
                let book = try options.open()
                defer { book.close() }
                let now = currentTimeMillis()
                let token = InviteToken.make()
                try book.addInvite(
                    tokenHash: InviteToken.hash(token), uses: uses, expiresMillis: now + duration, createdMillis: now)
                print(token)
                fflush(nil)
                let times = uses == 1 ? "once" : "\(uses) times"
                FileHandle.standardError.write(
                    Data(
                        ("invite good \(times) until \(Timestamp.readable(now + duration)) UTC: a newcomer "
                            + "registers their name with /register PASSWORD TOKEN\n").utf8))
            }
        }
    }
}

import ChatModel

/// Committed events as IRC lines: what an IRC client sees of a room, with the IRCv3 tags it
/// asked for. Used for live events (encoded once per batch) and for history.
public enum IRCLines {
    /// The host part of every person's source (`alice!alice@chatroom`): addresses are not shown.
    public static let userHost = "chatroom"
    /// The server's name in numerics and notices unless configured (`--irc-server-name`).
    public static let defaultServerName = "chatroom"
    /// The longest IRC line a client sends, tags aside, its `\r\n` included (RFC 1459, Modern IRC).
    /// A relayed line carries as much text as one client line can, its source
    /// (`:alice!alice@chatroom `) not counted: what a client could send reaches the others whole.
    public static let maxLineBytes = 512

    /// The IRCv3 tags a line carries.
    public struct Tags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// `time=2026-11-30T17:02:03.000Z` (capability `server-time`).
        public static let time = Tags(rawValue: 1)
        /// `msgid=42`, the event's id, and the client-only tags it was sent with (capability
        /// `message-tags`); tags-only messages (`TAGMSG`) are sent with it only.
        public static let msgid = Tags(rawValue: 2)
    }

    /// A name as an IRC nick: the characters IRC gives a meaning (space, `,`, `*`, `?`, `!`, `@`,
    /// and `:`, `#`, `&`, `$` first) become `_`.
    public static func nick(_ name: String) -> String {
        var nick = ""
        for character in name {
            let special = " ,*?!@".contains(character) || (nick.isEmpty && ":#&$".contains(character))
            nick.append(special ? "_" : character)
        }
        return nick.isEmpty ? "_" : nick
    }

    /// `alice!alice@chatroom`: how a person appears as the source of a line.
    public static func source(_ name: String) -> String {
        let nick = nick(name)
        return "\(nick)!\(nick)@\(userHost)"
    }

    /// `#dev` for the room `dev`.
    public static func channel(_ room: String) -> String { Room.display(room) }

    /// Appends `event`'s lines, each ending in `\r\n`: one, or several when a long message (from
    /// another door) is cut to what one client line carries (see `maxLineBytes`). `batch` tags each
    /// line with a batch's reference; `visibleTime` puts the event's time in front of a message's
    /// text (history for a client without `server-time`).
    public static func append(
        _ event: Event, tags: Tags, batch: String? = nil, visibleTime: Bool = false,
        serverName: String = defaultServerName, to out: inout [UInt8]
    ) {
        var prefix = ""
        if !tags.isEmpty || batch != nil {
            var items: [String] = []
            if tags.contains(.time) { items.append("time=" + Timestamp.iso8601(event.timeMillis)) }
            if tags.contains(.msgid) {
                items.append("msgid=\(event.id)")
                if let clientTags = event.clientTags, !clientTags.isEmpty { items.append(clientTags) }
            }
            if let batch { items.append("batch=" + batch) }
            prefix = "@" + items.joined(separator: ";") + " "
        }
        let time = visibleTime ? "[\(Timestamp.readable(event.timeMillis))] " : ""
        func line(_ source: String, _ rest: String, text: String? = nil) {
            let head = ":\(source) \(rest)"
            guard let text else { return append(prefix + head, to: &out) }
            // As much text as one client line carries after `rest ` (with no `:` when it has no
            // space): what a client could send arrives in one line.
            for piece in pieces(of: text, fitting: maxLineBytes - rest.utf8.count - 3) {
                append(prefix + head + " :" + piece, to: &out)
            }
        }
        let source = source(event.user)
        let target = event.recipient.map(nick) ?? channel(event.room)
        switch event.kind {
        case .message:
            line(source, "PRIVMSG \(target)", text: time + event.text)
        case .action:
            line(source, "PRIVMSG \(target)", text: "\u{1}ACTION " + time + event.text + "\u{1}")
        case .notice:
            line(source, "NOTICE \(target)", text: time + event.text)
        case .tagMessage:
            // Only a client that asked for message-tags may receive a TAGMSG (IRCv3).
            if tags.contains(.msgid) { line(source, "TAGMSG \(target)") }
        case .mode:
            line(source, "MODE \(target) \(event.text)" + (event.target.map { " " + nick($0) } ?? ""))
        case .join:
            line(source, "JOIN \(target)")
        case .leave where event.reason == .part:
            if event.text.isEmpty {
                line(source, "PART \(target)")
            } else {
                line(source, "PART \(target)", text: event.text)
            }
        case .leave:
            let words = quitWords(event.reason ?? .quit)
            line(source, "QUIT", text: event.text.isEmpty ? words : "\(words): \(event.text)")
        case .topic:
            line(source, "TOPIC \(target)", text: event.text)
        case .rename:
            line(source, "NICK", text: nick(event.text))
        case .roomKick:
            let kicked = nick(event.target ?? "")
            line(source, "KICK \(target) \(kicked)", text: event.text.isEmpty ? nick(event.user) : event.text)
        case .kick, .ban, .unban, .mute, .unmute:
            line(serverName, "NOTICE \(target)", text: time + EventWords(event).plain)
        }
    }

    /// The reason of a QUIT another client sees.
    public static func quitWords(_ reason: LeaveReason) -> String {
        switch reason {
        case .quit: "Quit"
        default: reason.words.prefix(1).uppercased() + reason.words.dropFirst()
        }
    }

    /// What an IRC client gets, live, of an event of its own.
    public enum OwnEvent: Sendable, Equatable {
        /// Sent like anyone's: a part (the confirmation of a PART), a topic.
        case sent
        /// Not sent: its join and rename are said by the door (JOIN with the names, NICK), and
        /// a quitter gets `ERROR`, not its own QUIT.
        case said
        /// Sent only to a client that asked for `echo-message`.
        case echo
    }

    /// What `event` is to an IRC client when it is the client's own.
    public static func own(_ event: Event) -> OwnEvent {
        switch event.kind {
        case .message, .action, .notice, .tagMessage: .echo
        case .join, .rename: .said
        case .leave: event.reason == .part ? .sent : .said
        default: .sent
        }
    }

    /// An IRC client's text as the room keeps it: IRC's formatting codes (bold, colours with their
    /// numbers, italics, underline, reverse, reset) dropped, then `TextSanitizer`'s cleaning.
    public static func plainText(_ text: String) -> String {
        // The usual line has no control character at all: nothing to drop.
        if !text.utf8.contains(where: { $0 < 0x20 }) { return TextSanitizer.clean(text) }
        let scalars = Array(text.unicodeScalars)
        var kept = String.UnicodeScalarView()
        var index = 0
        /// Skips up to `count` characters that `allowed` takes.
        func skip(_ count: Int, _ allowed: (Unicode.Scalar) -> Bool) -> Int {
            var skipped = 0
            while skipped < count, index < scalars.count, allowed(scalars[index]) {
                index += 1
                skipped += 1
            }
            return skipped
        }
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar.value {
            case 0x02, 0x0F, 0x11, 0x16, 0x1D, 0x1E, 0x1F:
                continue
            case 0x03, 0x04:
                // A colour: a foreground, then a comma and a background (decimal for 0x03, hex for 0x04).
                let (width, allowed): (Int, (Unicode.Scalar) -> Bool) =
                    scalar.value == 0x03 ? (2, { ("0"..."9").contains($0) }) : (6, { $0.properties.isASCIIHexDigit })
                if skip(width, allowed) > 0, index + 1 < scalars.count, scalars[index] == ",",
                    allowed(scalars[index + 1])
                {
                    index += 1
                    _ = skip(width, allowed)
                }
            default:
                kept.append(scalar)
            }
        }
        return TextSanitizer.clean(String(kept))
    }

    /// Cuts `text` into pieces of at most `limit` UTF-8 bytes, at character boundaries.
    static func pieces(of text: String, fitting limit: Int) -> [String] {
        guard text.utf8.count > limit, limit > 4 else { return [text] }
        var pieces: [String] = []
        var piece = ""
        var bytes = 0
        for character in text {
            let size = character.utf8.count
            if bytes + size > limit, !piece.isEmpty {
                pieces.append(piece)
                piece = ""
                bytes = 0
            }
            piece.append(character)
            bytes += size
        }
        if !piece.isEmpty { pieces.append(piece) }
        return pieces
    }

    private static func append(_ line: String, to out: inout [UInt8]) {
        out.append(contentsOf: line.utf8)
        out.append(contentsOf: [13, 10])
    }
}

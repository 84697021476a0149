/// The one sentence that tells people what happened, in every door: `alice: hi`, `* alice waves`,
/// `alice joined the chat`, `alice left the chat (connection lost)`, `alice is now known as bob`,
/// `alice to bob (private): hi`. It comes in pieces, so that
/// each output marks up the name, the person's text and the words around them in its own way
/// (colour, Markdown, HTML) while the words stay the same everywhere.
public struct EventWords: Sendable, Equatable {
    /// One piece of the sentence.
    public enum Piece: Sendable, Equatable {
        /// Who: `alice`.
        case name(String)
        /// What they said or did: `hi`, `waves`.
        case text(String)
        /// The words around them: `: `, `* `, ` joined the chat`, ` left the chat (too slow)`.
        case words(String)

        /// The piece as it is, unescaped.
        public var string: String {
            switch self {
            case .name(let string), .text(let string), .words(let string): string
            }
        }
    }

    /// The sentence, in order.
    public var pieces: [Piece]

    /// The sentence for `event`. A leave names its reason unless it was a quit.
    public init(_ event: Event) {
        switch event.kind {
        case .message:
            if let recipient = event.recipient {
                pieces = [
                    .name(event.user), .words(" to "), .name(recipient), .words(" (private): "), .text(event.text),
                ]
            } else {
                pieces = [.name(event.user), .words(": "), .text(event.text)]
            }
        case .notice:
            let to: [Piece] = event.recipient.map { [.words(" to "), .name($0), .words(" (private)")] } ?? []
            pieces = [.words("-"), .name(event.user)] + to + [.words("- "), .text(event.text)]
        case .mode:
            let change = RoomModeChange(text: event.text, target: event.target)
            pieces = [.name(event.user), .words(" " + (change?.words ?? "set mode \(event.text)"))]
            if let target = event.target { pieces += [.name(target)] }
        case .tagMessage:
            // Never shown (only IRC clients get it, as TAGMSG); said in case a tool asks.
            pieces = [.name(event.user), .words(" sent tags: "), .text(event.clientTags ?? "")]
        case .action: pieces = [.words("* "), .name(event.user), .words(" "), .text(event.text)]
        case .join: pieces = [.name(event.user), .words(" joined the chat")]
        case .leave where event.reason == .part:
            pieces = [.name(event.user), .words(" left the room")]
        case .leave:
            let reason = event.reason.flatMap { $0 == .quit ? nil : " (\($0.words))" } ?? ""
            pieces = [.name(event.user), .words(" left the chat" + reason)]
        case .topic where event.text.isEmpty:
            pieces = [.name(event.user), .words(" cleared the topic")]
        case .topic:
            pieces = [.name(event.user), .words(" set the topic: "), .text(event.text)]
        case .rename:
            pieces = [.name(event.user), .words(" is now known as "), .name(event.text)]
        case .kick, .ban, .unban, .mute, .unmute, .roomKick:
            let target = Piece.name(event.target ?? "?")
            switch event.kind {
            case .kick: pieces = [.name(event.user), .words(" put "), target, .words(" out")]
            case .roomKick: pieces = [.name(event.user), .words(" put "), target, .words(" out of the room")]
            case .ban: pieces = [.name(event.user), .words(" banned "), target]
            case .unban: pieces = [.name(event.user), .words(" lifted the ban on "), target]
            case .mute: pieces = [.name(event.user), .words(" muted "), target]
            default: pieces = [.name(event.user), .words(" gave "), target, .words(" their voice back")]
            }
            if !event.text.isEmpty { pieces += [.words(": "), .text(event.text)] }
        }
    }

    /// The sentence with every piece rendered by `render`.
    public func rendered(_ render: (Piece) -> String) -> String {
        pieces.map(render).joined()
    }

    /// The sentence as plain text, neutralised by `TextSanitizer`: safe on any terminal.
    public var plain: String {
        rendered { TextSanitizer.clean($0.string) }
    }
}

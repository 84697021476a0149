import ChatModel

/// An event of each kind, and a leave for each reason, with what every door shows for it: the one
/// sentence (`EventWords`), and the marked-up forms built around it.
public struct EventWordsCase: Sendable, CustomStringConvertible {
    /// bob's event at 1970-01-01 00:00:00 UTC.
    public var event: Event
    /// The plain sentence: server lines, the client's pipe mode, text exports.
    public var sentence: String
    /// What a styled client line shows before the sentence: `→ ` for a join, `← ` for a leave.
    public var arrow: String
    /// The Markdown list item.
    public var markdown: String
    /// The HTML paragraph.
    public var html: String

    public var description: String { sentence }

    /// Every kind, a private message, and every leave reason.
    public static let all: [EventWordsCase] =
        [
            EventWordsCase(
                event: event(.message, text: "hi <b>"), sentence: "bob: hi <b>", arrow: "",
                markdown: "**bob**: hi \\<b\\>",
                html: #"<bdi class="user">bob</bdi>: <span class="text" dir="auto">hi &lt;b&gt;</span>"#),
            EventWordsCase(
                event: event(.action, text: "waves"), sentence: "* bob waves", arrow: "",
                markdown: "\\* **bob** waves",
                html: #"* <bdi class="user">bob</bdi> <span class="text" dir="auto">waves</span>"#),
            EventWordsCase(
                event: event(.join), sentence: "bob joined the chat", arrow: "→ ", markdown: "_bob joined the chat_",
                html: #"<bdi class="user">bob</bdi> joined the chat"#),
            EventWordsCase(
                event: event(.topic, text: "deploys"), sentence: "bob set the topic: deploys", arrow: "",
                markdown: "**bob** set the topic: deploys",
                html: #"<bdi class="user">bob</bdi> set the topic: <span class="text" dir="auto">deploys</span>"#),
            EventWordsCase(
                event: event(.rename, text: "robert"), sentence: "bob is now known as robert", arrow: "",
                markdown: "**bob** is now known as **robert**",
                html: #"<bdi class="user">bob</bdi> is now known as <bdi class="user">robert</bdi>"#),
            EventWordsCase(
                event: Event(
                    id: 1, kind: .message, room: Room.privateName, user: "bob", text: "psst", timeMillis: 0, session: 1,
                    recipient: "carol"),
                sentence: "bob to carol (private): psst", arrow: "",
                markdown: "**bob** to **carol** (private): psst",
                html:
                    #"<bdi class="user">bob</bdi> to <bdi class="user">carol</bdi> (private): <span class="text" dir="auto">psst</span>"#
            ),
        ]
        + LeaveReason.allCases.map { reason in
            let words =
                switch reason {
                case .quit: "left the chat"
                case .part: "left the room"
                default: "left the chat (\(reason.words))"
                }
            return EventWordsCase(
                event: event(.leave, reason: reason), sentence: "bob \(words)", arrow: "← ", markdown: "_bob \(words)_",
                html: #"<bdi class="user">bob</bdi> "# + words)
        }

    private static func event(_ kind: EventKind, text: String = "", reason: LeaveReason? = nil) -> Event {
        Event(id: 1, kind: kind, user: "bob", text: text, timeMillis: 0, session: 1, reason: reason)
    }
}

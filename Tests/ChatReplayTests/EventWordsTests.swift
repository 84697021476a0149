import ChatModel
import ChatProtocol
import ChatReplay
import ChatTestSupport
import Testing

/// The one sentence per event, in every form outside the client (ChatClientTests checks its lines).
@Suite struct EventWordsTests {
    @Test(
        "every kind and leave reason reads the same as a plain line, a history line, Markdown and HTML",
        arguments: EventWordsCase.all)
    func everyForm(_ expected: EventWordsCase) {
        let event = expected.event
        #expect(EventWords(event).plain == expected.sentence)
        #expect(PlainText.line(event) == expected.sentence)
        #expect(PlainText.historyLine(event) == "[1970-01-01 00:00:00] \(expected.sentence)")
        #expect(TextTranscript.line(event) == "[1970-01-01 00:00:00] \(expected.sentence)")
        #expect(MarkdownTranscript.item(event) == "- `00:00:00` \(expected.markdown)")
        // The HTML names wear the client's colour too, each their own.
        var html = expected.html
        for name in [event.user, event.recipient, event.kind == .rename ? event.text : nil].compactMap({ $0 }) {
            html = html.replacingOccurrences(
                of: #"<bdi class="user">\#(name)</bdi>"#,
                with: #"<bdi class="user n\#(NameColor.code(for: name))">\#(name)</bdi>"#)
        }
        let kind = event.kind.rawValue + (event.isPrivate ? " private" : "")
        #expect(
            HTMLTranscript.paragraph(event)
                == #"<p class="\#(kind)" id="e1"><time datetime="1970-01-01T00:00:00.000Z">00:00:00</time> "#
                + html + "</p>")
    }

    @Test("the sentence is neutralised in every form: no control or bidi character gets through")
    func neutralised() {
        let event = Event(
            id: 1, kind: .message, user: "b\u{202E}ob", text: "\u{1B}[2J\u{2028}", timeMillis: 0, session: 1)
        #expect(PlainText.line(event) == "b\u{FFFD}ob: ^[[2J ")
        #expect(MarkdownTranscript.item(event) == "- `00:00:00` **b\u{FFFD}ob**: ^\\[\\[2J ")
        #expect(
            HTMLTranscript.paragraph(event).contains(
                #"b\#u{FFFD}ob</bdi>: <span class="text" dir="auto">^[[2J </span>"#))
    }
}

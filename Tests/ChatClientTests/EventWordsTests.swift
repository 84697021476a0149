import ChatModel
import ChatTestSupport
import Testing

@testable import ChatClient

/// The client's lines carry the one sentence of every event (ChatReplayTests checks the other forms).
@Suite struct ClientEventWordsTests {
    @Test("every kind and leave reason reads the same in pipe, history and styled lines", arguments: EventWordsCase.all)
    func clientLines(_ expected: EventWordsCase) {
        let event = expected.event
        let plain = OutputFormatter(styled: false, color: false)
        #expect(plain.line(event, history: nil) == expected.sentence)
        let history = plain.line(event, history: .join)
        #expect(history.hasPrefix("[") && history.hasSuffix("] \(expected.sentence)"))
        let styled = OutputFormatter(styled: true, color: false)
        #expect(styled.line(event, history: nil).hasSuffix(" \(expected.arrow)\(expected.sentence)"))
        #expect(styled.line(event, history: .join).hasSuffix(" \(expected.sentence)"))
        let colored = OutputFormatter(styled: true, color: true).line(event, history: nil)
        let visible = colored.replacing(/\u{1B}\[[0-9;]*m/, with: "")
        #expect(visible.hasSuffix(" \(expected.arrow)\(expected.sentence)"))
    }
}

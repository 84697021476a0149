import ChatModel
import ChatProtocol
import ChatTestSupport
import Testing

@testable import ChatClient

/// How the client behaves while the server is away: it keeps trying, quietly, unless the room is gone.
@Suite("outages", .timeLimit(.minutes(2)))
struct OutageTests {
    @Test("an ordinary shutdown: the session keeps reconnecting; a closing room ends it")
    func shutdownKinds() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let server = try await RunningServer(database: dir.file("chat.sqlite"))
        let alice = SessionHarness(port: server.port, name: "alice")
        try await alice.waitFor("joined") {
            if case .joined = $0 { return true }
            return false
        }
        try await server.stop()
        try await alice.waitFor("a third attempt") {
            if case .reconnecting(attempt: 3, _, _) = $0 { return true }
            return false
        }
        #expect(try await alice.quit() == .quit)

        let hosted = try await RunningServer(database: dir.file("hosted.sqlite"))
        let guest = SessionHarness(port: hosted.port, name: "guest")
        try await guest.waitFor("joined") {
            if case .joined = $0 { return true }
            return false
        }
        hosted.server.beginShutdown(message: RoomClosing.message)
        #expect(try await guest.ended() == .roomClosed)
        #expect(guest.outputs.suffix(2) == [.shutdown(RoomClosing.message), .roomClosed])
        try await hosted.stop()
    }

    @Test("in a pipe, a long outage shows the first attempt, then changes of reason and every tenth attempt")
    func notices() {
        var notices = ReconnectNotices(every: 10)
        let refused = "cannot connect: refused"
        var shown: [Int] = []
        let shutdownShown = notices.shows(.shutdown("the server is shutting down"))
        #expect(shutdownShown)
        for attempt in 1...25 {
            let failure = attempt == 1 ? nil : attempt == 15 ? "timed out" : refused
            if notices.shows(.reconnecting(attempt: attempt, seconds: 1, failure: failure)) { shown.append(attempt) }
        }
        #expect(shown == [1, 2, 10, 15, 16, 20])
        let welcome = Welcome(name: "a", session: 1, server: "s", room: "main")
        let rejoinShown = notices.shows(.joined(welcome, requested: "a", resumed: true))
        let nextOutageShown = notices.shows(.reconnecting(attempt: 1, seconds: 1, failure: refused))
        #expect(rejoinShown && nextOutageShown, "a reconnection starts a new run of attempts")
    }

    @Test("queue notices and --timestamps in words")
    func words() {
        let plain = OutputFormatter(styled: false, color: false)
        #expect(plain.lines(.queued) == ["*** queued: will be sent when reconnected"])
        #expect(plain.lines(.queuedSent(count: 2)) == ["*** sent 2 messages typed while disconnected"])
        #expect(plain.lines(.queuedUnsent(count: 1)) == ["*** 1 message typed while disconnected will not be sent"])
        let event = Event(id: 1, kind: .message, room: "main", user: "bob", text: "hi", timeMillis: 0, session: 1)
        #expect(plain.line(event, history: nil) == "bob: hi")
        let stamped = OutputFormatter(styled: false, color: false, timestamps: true)
        #expect(stamped.line(event, history: nil) == PlainText.historyLine(event, local: true))
    }

    @Test("a resize clears the line as drawn, from the row a re-wrapping terminal put its start on")
    func resizeBytes() {
        var editor = LineEditor()
        for character in String(repeating: "x", count: 53) { _ = editor.handle(.character(character)) }
        var line = InputLine(width: 80)
        _ = line.draw(prompt: "alice> ", editor: editor)
        #expect(line.drawnColumn == 60)
        #expect(line.resize(to: 30) == "\u{1B}[2A\r\u{1B}[J")
        #expect(line.width == 30)
        #expect(line.resize(to: 100) == "\r\u{1B}[J")
    }
}

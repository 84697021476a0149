import ChatModel
import ChatProtocol
import ChatStore
import Foundation
import Testing

@testable import ChatClient

@Suite("line editor")
struct LineEditorTests {
    func type(_ text: String, into editor: inout LineEditor) {
        for character in text { _ = editor.handle(.character(character)) }
    }

    @Test("typing, cursor keys, backspace, delete, Home/End")
    func editing() {
        var editor = LineEditor()
        type("helo", into: &editor)
        _ = editor.handle(.left)
        type("l", into: &editor)
        #expect(editor.text == "hello" && editor.cursor == 4)
        _ = editor.handle(.home)
        _ = editor.handle(.delete)
        #expect(editor.text == "ello" && editor.cursor == 0)
        #expect(press(&editor, .backspace) == .none)
        _ = editor.handle(.end)
        _ = editor.handle(.backspace)
        #expect(editor.text == "ell" && editor.cursor == 3)
        #expect(press(&editor, .right) == .none)
    }

    @Test("Ctrl+A, Ctrl+E, Ctrl+U, Ctrl+W, Ctrl+K")
    func controlKeys() {
        var editor = LineEditor()
        type("one two  three", into: &editor)
        _ = editor.handle(.control("w"))
        #expect(editor.text == "one two  ")
        _ = editor.handle(.control("a"))
        #expect(editor.cursor == 0)
        _ = editor.handle(.control("e"))
        #expect(editor.cursor == 9)
        _ = editor.handle(.wordLeft)
        #expect(editor.cursor == 4)
        _ = editor.handle(.control("k"))
        #expect(editor.text == "one ")
        _ = editor.handle(.control("u"))
        #expect(editor.text == "" && editor.cursor == 0)
    }

    @Test("Enter submits and remembers; ↑ ↓ recall earlier lines and the draft")
    func history() {
        var editor = LineEditor()
        type("first", into: &editor)
        #expect(press(&editor, .enter) == .submit("first"))
        type("second", into: &editor)
        #expect(press(&editor, .enter) == .submit("second"))
        type("draft", into: &editor)
        _ = editor.handle(.up)
        #expect(editor.text == "second")
        _ = editor.handle(.up)
        #expect(editor.text == "first")
        #expect(press(&editor, .up) == .none)
        _ = editor.handle(.down)
        _ = editor.handle(.down)
        #expect(editor.text == "draft" && editor.cursor == 5)
        #expect(editor.history == ["first", "second"])
    }

    @Test("Ctrl+C quits; Ctrl+D quits on an empty line and deletes otherwise; Ctrl+L clears")
    func leaving() {
        var editor = LineEditor()
        #expect(press(&editor, .control("d")) == .quit)
        type("ab", into: &editor)
        _ = editor.handle(.home)
        #expect(press(&editor, .control("d")) == .redraw)
        #expect(editor.text == "b")
        #expect(press(&editor, .control("c")) == .quit)
        #expect(press(&editor, .control("l")) == .clearScreen)
    }
}

@Suite("key decoder")
struct KeyDecoderTests {
    @Test("characters, UTF-8, control keys and escape sequences, also split across reads")
    func decoding() {
        var decoder = KeyDecoder()
        #expect(feed(&decoder, Array("aé€".utf8)) == [.character("a"), .character("é"), .character("€")])
        #expect(
            feed(&decoder, [0x01, 0x05, 0x15, 0x17, 0x03, 0x04, 0x0D, 0x7F]) == [
                .control("a"), .control("e"), .control("u"), .control("w"), .control("c"), .control("d"), .enter,
                .backspace,
            ])
        #expect(feed(&decoder, Array("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D".utf8)) == [.up, .down, .right, .left])
        #expect(
            feed(&decoder, Array("\u{1B}[H\u{1B}[F\u{1B}OH\u{1B}OF\u{1B}[1~\u{1B}[4~\u{1B}[3~".utf8)) == [
                .home, .end, .home, .end, .home, .end, .delete,
            ])
        #expect(feed(&decoder, Array("\u{1B}[1;5D".utf8)) == [.wordLeft])
        #expect(feed(&decoder, [0x1B]) == [])
        #expect(feed(&decoder, [UInt8(ascii: "[")]) == [])
        #expect(feed(&decoder, [UInt8(ascii: "D")]) == [.left])
        #expect(feed(&decoder, [0xE2, 0x82]) == [])
        #expect(feed(&decoder, [0xAC]) == [.character("€")])
    }

    @Test("C1 controls and bidirectional overrides are not typed")
    func unprintable() {
        var decoder = KeyDecoder()
        #expect(feed(&decoder, Array("a\u{9B}b\u{202E}c".utf8)) == [.character("a"), .character("b"), .character("c")])
    }
}

@Suite("backoff and resume tracker")
struct BackoffTests {
    @Test("doubles from the initial delay up to the cap, jittered within bounds, and resets")
    func backoff() {
        var backoff = Backoff(initial: 0.5, cap: 4, jitter: 0.5)
        let highs = (0..<6).map { _ in backoff.next(random: { 0.999_999 }) }
        #expect(highs.map { ($0 * 10).rounded() / 10 } == [0.5, 1, 2, 4, 4, 4])
        backoff.reset()
        let lows = (0..<4).map { _ in backoff.next(random: { 0 }) }
        #expect(lows == [0.25, 0.5, 1, 2])
        var random = Backoff()
        for _ in 0..<50 {
            let delay = random.next()
            #expect((0...15).contains(delay))
        }
    }

    @Test("an event is admitted once; a gap moves the mark, also back to 0 for a different record")
    func tracker() {
        var tracker = ResumeTracker()
        #expect(admit(&tracker, 3))
        #expect(!admit(&tracker, 3))
        #expect(admit(&tracker, 4))
        #expect(skip(&tracker, 10))
        #expect(admit(&tracker, 11))
        #expect(!admit(&tracker, 11))
        #expect(skip(&tracker, 0))
        #expect(admit(&tracker, 1))
        #expect(admit(&tracker, 3), "a different record: 3 is a new event there")
        #expect(tracker.lastShown == 3)
    }

    @Test("bad ids are shown with a warning and never stop later events; only a real replay is dropped")
    func trackerBadIDs() {
        var tracker = ResumeTracker()
        #expect(judge(&tracker, 5) == .new)
        #expect(isSuspicious(judge(&tracker, .max)), "an absurd jump")
        #expect(isSuspicious(judge(&tracker, -1)), "negative")
        #expect(isSuspicious(judge(&tracker, 0)), "zero")
        #expect(judge(&tracker, 6) == .new, "the jump did not poison the mark")
        #expect(isSuspicious(judge(&tracker, 2)), "older, never shown: out of order, not a replay")
        #expect(judge(&tracker, 2) == .duplicate, "shown once already")
        #expect(judge(&tracker, .max) == .duplicate)
        #expect(judge(&tracker, 6) == .duplicate)
        #expect(isSuspicious(judge(&tracker, 6 + ResumeTracker.maxJump + 1)))
        #expect(judge(&tracker, 6 + ResumeTracker.maxJump) == .new, "a big but believable step")
        #expect(tracker.lastShown == 6 + ResumeTracker.maxJump)
        #expect(!skip(&tracker, -3) && !skip(&tracker, .max), "an impossible gap changes nothing")
        #expect(tracker.lastShown == 6 + ResumeTracker.maxJump)
        var first = ResumeTracker()
        #expect(isSuspicious(judge(&first, .max)), "even as the very first event")
        #expect(judge(&first, 1) == .new && first.lastShown == 1)
    }

    @Test("a replay older than the ids remembered is still taken for one; memory stays bounded")
    func trackerWindow() {
        var tracker = ResumeTracker()
        for id in 1...Int64(3 * ResumeTracker.remembered) { #expect(judge(&tracker, id) == .new) }
        #expect(judge(&tracker, 1) == .duplicate)
        #expect(judge(&tracker, Int64(3 * ResumeTracker.remembered)) == .duplicate)
    }
}

@Suite("user input")
struct UserInputTests {
    @Test(
        "commands, quits, hints and messages",
        arguments: [
            ("hello", UserInput.send(.say("hello"))),
            ("  ", .nothing),
            ("/quit", .quit), ("{quit}", .quit), ("{EXIT}", .quit), ("/exit", .quit),
            ("/who", .send(.who())),
            ("/me waves", .send(.me("waves"))),
            ("/history", .send(.history(limit: UserInput.defaultHistory))),
            ("/history 5", .send(.history(limit: 5))),
            ("/help", .help),
            ("//etc/passwd is a path", .send(.say("/etc/passwd is a path"))),
            ("{hello}", .send(.say("{hello}"))),
        ])
    func parse(line: String, expected: UserInput) {
        #expect(UserInput.parse(line) == expected)
    }

    @Test(
        "mistakes get a hint and nothing is sent", arguments: ["/frob", "/me", "/history x", "/history 0", "/who me!"])
    func hints(line: String) {
        guard case .hint = UserInput.parse(line) else {
            Issue.record("\(line) was not answered with a hint")
            return
        }
    }
}

@Suite("output")
struct OutputTests {
    let event = Event(
        id: 7, kind: .message, user: "mallory\u{1B}[31m", text: "hi\u{1B}]0;owned\u{07}\r\nthere\u{9B}2J",
        timeMillis: 1_795_000_000_000, session: 1)

    @Test("plain lines: no escape codes, others' control characters neutralised")
    func plain() {
        let formatter = OutputFormatter(styled: false, color: true)
        let line = formatter.line(event, history: nil)
        #expect(line == "mallory^[[31m: hi^[]0;owned^G^M^Jthere\u{FFFD}2J")
        let history = formatter.line(event, history: .join)
        #expect(history.hasPrefix("[") && history.hasSuffix(line))
        let all = [
            ClientOutput.joined(
                Welcome(name: "alice2", session: 1, server: "x", room: "main"), requested: "alice", resumed: false),
            .historyBegin(.join), .historyEnd(.join, count: 3), .gap(after: 4, resumedAfter: 9),
            .gap(after: 40, resumedAfter: 0), .who(["a", "b\u{1B}"]), .shutdown("bye"),
            .reconnecting(attempt: 2, seconds: 1.26, failure: "refused"), .disconnected(reason: "gone"),
        ].flatMap { formatter.lines($0) }
        #expect(!all.joined().unicodeScalars.contains { $0.value < 0x20 })
        #expect(all[0] == "*** joined room main as alice2 (alice was taken)")
        #expect(all[3] == "*** events 5-9 happened while you were away but are no longer in the server's history")
        #expect(all.contains("*** refused; reconnecting in 1.3 s (attempt 2)"))
    }

    @Test("styled lines: time, coloured name, joins and leaves unlike messages; no colour when asked")
    func styled() {
        let colored = OutputFormatter(styled: true, color: true)
        var join = event
        join.kind = .join
        join.user = "bob"
        var leave = join
        leave.kind = .leave
        leave.reason = .connectionLost
        let code = NameColor.code(for: "bob")
        #expect(colored.line(join, history: nil).contains("\u{1B}[1;\(code)mbob\u{1B}[0m"))
        #expect(colored.line(join, history: nil).contains("→"))
        #expect(colored.line(leave, history: nil).contains("← "))
        #expect(colored.line(leave, history: nil).contains("left the chat (connection lost)"))
        #expect(colored.line(join, history: .join).hasPrefix("\u{1B}[2m"), "history is dimmed")
        let message = colored.line(event, history: nil)
        #expect(!message.contains("\u{1B}]0"), "no escape from the sender gets through")
        let monochrome = OutputFormatter(styled: true, color: false)
        #expect(!monochrome.line(join, history: nil).contains("\u{1B}"))
        #expect(monochrome.line(join, history: nil).hasSuffix("→ bob joined the chat"))
    }

    @Test("a name's colour is the same in every process: FNV-1a, not hashValue")
    func stableColour() {
        #expect(NameColor.fnv1a("") == 2_166_136_261)
        #expect(NameColor.fnv1a("a") == 0xE40C_292C)
        #expect(NameColor.fnv1a("foobar") == 0xBF9C_F968)
        #expect(NameColor.code(for: "alice") == NameColor.code(for: "alice"))
        #expect(Set(["alice", "bob", "carol", "dave", "erin", "frank"].map(NameColor.code(for:))).count > 1)
    }
}

@Suite("input line and line splitter")
struct InputLineTests {
    @Test("a long line scrolls sideways so the cursor stays visible")
    func scrolling() {
        var editor = LineEditor()
        for character in String(repeating: "x", count: 30) + "END" { _ = editor.handle(.character(character)) }
        var line = InputLine(width: 20)
        let drawn = line.draw(prompt: "me> ", editor: editor)
        #expect(drawn.hasPrefix("\r\u{1B}[2Kme> "))
        #expect(drawn.contains("END"))
        #expect(line.scroll > 0)
        for _ in 0..<40 { _ = editor.handle(.left) }
        _ = line.draw(prompt: "me> ", editor: editor)
        #expect(line.scroll == 0)
    }

    @Test("wide characters take two columns")
    func wide() {
        #expect(InputLine.width(of: "漢字a") == 5)
    }

    @Test("lines split on LF and CRLF, across chunks, the last one without a newline")
    func splitter() {
        var splitter = LineSplitter()
        #expect(split(&splitter, Array("one\r\ntw".utf8)) == ["one"])
        #expect(split(&splitter, Array("o\nthree".utf8)) == ["two"])
        #expect(finish(&splitter) == "three")
        #expect(finish(&splitter) == nil)
    }

    @Test("a line longer than the limit is dropped and counted, also without a newline; memory stays bounded")
    func splitterLimit() {
        var splitter = LineSplitter(maxLineBytes: 8)
        #expect(split(&splitter, Array("12345678\r\n".utf8)) == ["12345678"])
        #expect(split(&splitter, Array("123456789\nok\n".utf8)) == ["ok"])
        #expect(splitter.droppedLines == 1)
        for _ in 0..<1000 { #expect(split(&splitter, Array("endless".utf8)).isEmpty) }
        #expect(split(&splitter, Array(" end\nnext\n".utf8)) == ["next"])
        #expect(splitter.droppedLines == 2)
        #expect(split(&splitter, Array("0123456789abc".utf8)).isEmpty)
        #expect(finish(&splitter) == nil)
        #expect(splitter.droppedLines == 3)
    }
}

private func press(_ editor: inout LineEditor, _ key: Key) -> LineEditor.Action { editor.handle(key) }
private func feed(_ decoder: inout KeyDecoder, _ bytes: [UInt8]) -> [Key] { decoder.feed(bytes) }
private func admit(_ tracker: inout ResumeTracker, _ id: Int64) -> Bool { tracker.admit(id) }
private func judge(_ tracker: inout ResumeTracker, _ id: Int64) -> ResumeTracker.Verdict { tracker.judge(id) }
private func skip(_ tracker: inout ResumeTracker, _ id: Int64) -> Bool { tracker.skip(to: id) }
private func isSuspicious(_ verdict: ResumeTracker.Verdict) -> Bool {
    if case .suspicious(let warning) = verdict { return warning.contains("from the server") }
    return false
}
private func split(_ splitter: inout LineSplitter, _ bytes: [UInt8]) -> [String] { splitter.feed(bytes) }
private func finish(_ splitter: inout LineSplitter) -> String? { splitter.finish() }

@Suite("credits: the bound on the client's queues")
struct CreditsTests {
    @Test("at most capacity taken; a waiter gets the next credit given back; close releases every waiter")
    func credits() async {
        let credits = Credits(capacity: 2)
        #expect(credits.tryTake() && credits.tryTake())
        #expect(!credits.tryTake())
        #expect(credits.inUse == 2)
        let gate = Gate()
        let waiter = Task {
            gate.open()
            return await credits.take()
        }
        await gate.wait()
        credits.give()
        #expect(await waiter.value)
        #expect(credits.inUse == 2)
        credits.give()
        credits.give()
        credits.give()
        #expect(credits.inUse == 0, "never more credits than the capacity")
        #expect(credits.tryTake() && credits.tryTake())
        let blocked = Task { await credits.take() }
        credits.close()
        #expect(await blocked.value == false)
        #expect(await credits.take() == false)
        #expect(!credits.tryTake())
    }

    @Test("a cancelled wait gives up without taking a credit")
    func cancelled() async {
        let credits = Credits(capacity: 1)
        #expect(credits.tryTake())
        let waiter = Task { await credits.take() }
        waiter.cancel()
        #expect(await waiter.value == false)
        credits.give()
        #expect(credits.tryTake(), "the credit given back was not lost to the cancelled waiter")
    }
}

@Suite("standard input")
struct StandardInputTests {
    @Test("the reading thread reads only a few chunks ahead: a writer that outpaces the client is held back")
    func boundedReadAhead() async throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        let chunks = StandardInput.chunks(descriptor: fds[0], maxPending: 2)
        // Nobody consumes: write until the pipe stays full (300 ms without room), at most 8 MiB.
        var written = 0
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 4096)
        while written < 8 << 20 {
            let count = write(fds[1], block, block.count)
            if count > 0 {
                written += count
                continue
            }
            guard errno == EAGAIN else { break }
            var poller = pollfd(fd: fds[1], events: Int16(POLLOUT), revents: 0)
            if poll(&poller, 1, 300) == 0 { break }
        }
        // The pipe's own buffer (64 KiB on Linux) plus the chunks read ahead.
        #expect(written < 1 << 20, "\(written) bytes were taken from the input")
        close(fds[1])
        var total = 0
        for await chunk in chunks { total += chunk.count }
        #expect(total == written, "and the consumer gets every byte")
        close(fds[0])
    }
}

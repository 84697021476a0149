import ChatModel
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// `chat-replay replay` on a pseudo-terminal, as a person uses it: pause, step and skip by key,
/// a progress line, no echo, and the terminal's settings given back.
@Suite struct TerminalReplayTests {
    /// `chat-replay replay` in `directory` with the terminal as its standard input, output and error.
    static func replay(in directory: String, on terminal: PseudoTerminal) throws -> Process {
        let process = Process()
        process.executableURL = try chatReplayBinary()
        process.arguments = ["replay"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let handle = FileHandle(fileDescriptor: terminal.slave, closeOnDealloc: false)
        (process.standardInput, process.standardOutput, process.standardError) = (handle, handle, handle)
        try process.run()
        return process
    }

    @Test func keysControlAReplayOnATerminal() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let base = millis("2026-11-22T10:00:00Z")
        // Events at 0 s, 0.1 s, then an hour later, then a minute after that.
        try await record(
            [0, 100, 3_600_000, 3_660_000].enumerated().map { index, offset in
                NewEvent(kind: .message, user: "alice", text: "m\(index + 1)", timeMillis: base + offset)
            },
            at: directory.file("chat.sqlite"))
        let terminal = try PseudoTerminal(columns: 100, rows: 24)
        var before = termios()
        tcgetattr(terminal.slave, &before)
        let process = try Self.replay(in: directory.path, on: terminal)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let screen = ByteCollector(descriptor: terminal.master)
        func lines() -> [String] {
            var model = ScreenModel(columns: 100, rows: 24)
            model.feed(screen.text)
            return model.lines.filter { !$0.isEmpty }
        }

        try await screen.waitFor("two events and the progress line") { _ in
            lines().last?.wholeMatch(of: /▶ 0:\d\d \/ 1:01:00  events 2\/4  space pause · → skip/) != nil
        }
        #expect(lines().prefix(2) == ["[2026-11-22 10:00:00] alice: m1", "[2026-11-22 10:00:00] alice: m2"])
        terminal.type("zx ")
        try await screen.waitFor("paused") { _ in
            lines().last?.wholeMatch(of: /⏸ 0:\d\d \/ 1:01:00  events 2\/4  space resume · \. step · → skip/) != nil
        }
        terminal.type(".")
        try await screen.waitFor("a step") { _ in lines().last?.hasPrefix("⏸ 1:00:00 / 1:01:00  events 3/4") == true }
        #expect(lines().dropFirst(2).first == "[2026-11-22 11:00:00] alice: m3")
        terminal.type("\u{1B}[C")
        try await eventually(within: 15, "the end after a skip; screen: \(lines())") { !process.isRunning }
        #expect(process.terminationStatus == 0)
        #expect(
            lines() == [
                "[2026-11-22 10:00:00] alice: m1", "[2026-11-22 10:00:00] alice: m2",
                "[2026-11-22 11:00:00] alice: m3", "[2026-11-22 11:01:00] alice: m4",
            ])
        #expect(!screen.text.contains("zx") && !screen.text.contains("[C"), "no key echoed")
        var after = termios()
        tcgetattr(terminal.slave, &after)
        #expect(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag, "terminal restored")
    }

    @Test func ctrlCStopsAndRestoresTheTerminal() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let base = millis("2026-11-22T10:00:00Z")
        try await record(
            [0, 3_600_000].map { NewEvent(kind: .message, user: "bob", text: "t\($0)", timeMillis: base + $0) },
            at: directory.file("chat.sqlite"))
        let terminal = try PseudoTerminal()
        var before = termios()
        tcgetattr(terminal.slave, &before)
        let process = try Self.replay(in: directory.path, on: terminal)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let screen = ByteCollector(descriptor: terminal.master)
        try await screen.waitFor("the progress line") { $0.contains("events 1/2") }
        terminal.type("\u{03}")
        try await eventually(within: 15, "the exit after Ctrl+C") { !process.isRunning }
        #expect(process.terminationStatus == 0)
        var after = termios()
        tcgetattr(terminal.slave, &after)
        #expect(after.c_lflag == before.c_lflag, "terminal restored")
        #expect(!screen.text.contains("t3600000"))
    }
}

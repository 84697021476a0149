import ChatModel
import ChatStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `replay` on a terminal, like asciinema: Space pauses and resumes, `.` steps while paused, →
/// skips ahead, Ctrl+C or `q` stops; a progress line stays at the bottom; keys are never echoed,
/// and the terminal is restored however it ends.
public enum TerminalReplay {
    /// Both standard input and standard output are terminals.
    public static var isAvailable: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    /// Plays the events `filter` selects (a session, perhaps one room) onto standard output, after
    /// counting them for the progress line; `room`: each line names its room.
    public static func play(
        filter: EventFilter, source: any ReplaySource, timing: ReplayTiming, local: Bool, room: Bool = false
    ) async throws {
        var count = 0
        var span: ClosedRange<Int64> = 0...0
        var measure = EventPager(source: source, filter: filter)
        while let event = try await measure.next() {
            span =
                count == 0
                ? event.timeMillis...event.timeMillis : span.lowerBound...max(span.upperBound, event.timeMillis)
            count += 1
        }
        let output = FileOutput.standardOutput()
        let terminal = RawTerminal()
        let inbox = PlayerInbox()
        let keys = KeyReader(inbox: inbox)
        defer {
            keys.stop()
            terminal?.restore()
        }
        let width = RawTerminal.columns() - 1
        var pager = EventPager(source: source, filter: filter)
        var player = InteractivePlayer(clock: ContinuousClock(), timing: timing)
        player.tick = .milliseconds(500)
        try await player.play(
            next: { try await pager.next() }, total: count, span: span, inbox: inbox,
            emit: { event in
                try output.write("\r\u{1B}[K" + TextTranscript.line(event, local: local, room: room) + "\n")
            },
            status: { status in
                try? output.write("\r\u{1B}[K" + status.line(width: width))
                try? output.flush()
            })
        try output.write("\r\u{1B}[K")
        try output.finish()
    }
}

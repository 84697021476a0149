import ChatModel
import ChatReplay
import Testing

/// The terminal replay's parts: keys to commands, the player under commands on a virtual clock,
/// and the progress line.
@Suite struct InteractivePlayerTests {
    @Test func keysBecomeCommands() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(Array(" .q\u{03}x\r".utf8)) == [.togglePause, .step, .quit, .quit])
        #expect(decoder.feed([0x1B, 0x5B, 0x43]) == [.skip])  // → as ESC [ C
        #expect(decoder.feed([0x1B, 0x4F, 0x43]) == [.skip])  // → in application cursor mode
        #expect(decoder.feed([0x1B]) == [])  // split across reads
        #expect(decoder.feed([0x5B]) == [])
        #expect(decoder.feed([0x43, 0x20]) == [.skip, .togglePause])
        #expect(decoder.feed(Array("\u{1B}[D\u{1B}[A\u{1B}[1;5C".utf8)) == [])  // ←, ↑, Ctrl+→ do nothing
        #expect(decoder.feed(Array("\u{1B} ".utf8)) == [.togglePause])  // a lone Escape swallows nothing
    }

    @Test func progressLine() {
        let playing = PlaybackStatus(
            played: 12, total: 340, positionMillis: 12_999, durationMillis: 225_000, paused: false)
        #expect(playing.line() == "▶ 0:12 / 3:45  events 12/340  space pause · → skip")
        var paused = playing
        paused.paused = true
        #expect(paused.line() == "⏸ 0:12 / 3:45  events 12/340  space resume · . step · → skip")
        #expect(paused.line(width: 10) == "⏸ 0:12 / 3")
        #expect(PlaybackStatus.clock(3_723_000) == "1:02:03")
        #expect(PlaybackStatus.clock(-5) == "0:00")
    }

    /// Plays `TimingTests.events` (0, 1, 3, 13 and 13.5 s); `script` may send commands as events
    /// are shown and as the status changes.
    func play(
        queued: [PlayerCommand] = [], clock: VirtualClock = VirtualClock(), tick: Duration? = nil,
        onEmit: (Event, PlayerInbox) -> Void = { _, _ in },
        onStatus: (PlaybackStatus, PlayerInbox) -> Void = { _, _ in }
    ) async throws -> (played: [Int64], statuses: [PlaybackStatus], finished: Bool) {
        let inbox = PlayerInbox()
        for command in queued { inbox.send(command) }
        var remaining = TimingTests.events[...]
        var played: [Int64] = []
        var statuses: [PlaybackStatus] = []
        var player = InteractivePlayer(clock: clock, timing: ReplayTiming())
        player.tick = tick
        let finished = try await player.play(
            next: { remaining.popFirst() }, total: 5, span: 1_000_000...1_013_500, inbox: inbox,
            emit: { event in
                played.append(event.id)
                onEmit(event, inbox)
            },
            status: { status in
                statuses.append(status)
                onStatus(status, inbox)
            })
        return (played, statuses, finished)
    }

    @Test func withoutCommandsItKeepsTheOriginalTiming() async throws {
        let clock = VirtualClock()
        let result = try await play(clock: clock)
        #expect(result.played == [1, 2, 3, 4, 5] && result.finished)
        #expect(clock.sleeps == [.seconds(1), .seconds(3), .seconds(13), .milliseconds(13500)])
        #expect(
            result.statuses.last
                == PlaybackStatus(played: 5, total: 5, positionMillis: 13500, durationMillis: 13500, paused: false))
    }

    /// Paused after event 2 for 100 s of virtual time: event 3 comes 2 s after the resume.
    @Test func pauseStopsTheClock() async throws {
        let clock = VirtualClock()
        var resumed = false
        let result = try await play(
            clock: clock,
            onEmit: { event, inbox in if event.id == 2 { inbox.send(.togglePause) } },
            onStatus: { status, inbox in
                guard status.paused, !resumed else { return }
                resumed = true
                clock.advance(by: .seconds(100))
                inbox.send(.togglePause)
            })
        #expect(result.played == [1, 2, 3, 4, 5])
        #expect(clock.sleeps == [.seconds(1), .seconds(103), .seconds(113), .milliseconds(113_500)])
        #expect(result.statuses.contains { $0.paused && $0.played == 2 })
    }

    @Test func stepShowsOneEventAtATimeWhilePaused() async throws {
        let clock = VirtualClock()
        let result = try await play(queued: [.togglePause, .step, .step, .quit], clock: clock)
        #expect(result.played == [1, 2] && !result.finished)
        #expect(clock.sleeps.isEmpty)
        #expect(result.statuses.last?.played == 2 && result.statuses.last?.paused == true)
        // Step while playing does nothing.
        let playing = try await play(queued: [.step, .quit])
        #expect(playing.played.isEmpty)
    }

    /// → after event 1 (0 s) jumps to 5 s: events 2 and 3 at once, then event 4 8 s later.
    @Test func skipJumpsFiveSecondsOrToTheNextEvent() async throws {
        let clock = VirtualClock()
        let result = try await play(
            clock: clock, onEmit: { event, inbox in if event.id == 1 || event.id == 4 { inbox.send(.skip) } })
        #expect(result.played == [1, 2, 3, 4, 5])
        // Event 4 is 8 s after the skip's 5 s mark; skipping at 13 s reaches event 5 at once.
        #expect(clock.sleeps == [.seconds(8)])
        #expect(result.statuses.map(\.positionMillis).contains(5000))
        #expect(result.statuses.last?.positionMillis == 13500)
    }

    /// With ticks, the progress line moves on through the 10 s wait before event 4, never back.
    @Test func ticksMoveTheProgressLineDuringAWait() async throws {
        let result = try await play(tick: .seconds(1))
        #expect(result.played == [1, 2, 3, 4, 5])
        let positions = result.statuses.map(\.positionMillis)
        #expect(positions == positions.sorted(), "\(positions)")
        // Event 3 at 3 s, then ticks at 4, 5, ... 12 s of the wait for event 4 at 13 s.
        let wait: [Int64] = Array(positions.drop { $0 < 3000 }.prefix(11))
        let expected: [Int64] = [3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000, 13000]
        #expect(wait == expected)
        #expect(positions.last == 13500)
    }
}

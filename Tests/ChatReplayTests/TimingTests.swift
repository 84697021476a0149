import ChatModel
import ChatReplay
import ChatStore
import ChatTestSupport
import Foundation
import Testing

@Suite struct TimingTests {
    /// Events 0 s, 1 s, 3 s, 13 s and 13.5 s into the session.
    static let events: [Event] = [0, 1000, 3000, 13000, 13500].enumerated().map { index, offset in
        Event(
            id: Int64(index + 1), kind: .message, user: "alice", text: "\(index)", timeMillis: 1_000_000 + offset,
            session: 1)
    }

    func play(_ timing: ReplayTiming) async throws -> (sleeps: [Duration], total: Duration, played: [Int64]) {
        let clock = VirtualClock()
        var remaining = Self.events[...]
        var played: [Int64] = []
        try await ReplayPlayer(clock: clock, timing: timing).play(
            next: { remaining.popFirst() }, emit: { played.append($0.id) })
        return (clock.sleeps, clock.now.offset, played)
    }

    @Test func originalTimingAtSpeedOne() async throws {
        let result = try await play(ReplayTiming())
        #expect(result.played == [1, 2, 3, 4, 5])
        #expect(result.sleeps == [.seconds(1), .seconds(3), .seconds(13), .milliseconds(13500)])
        #expect(result.total == .milliseconds(13500))
    }

    @Test func speedScalesEveryGap() async throws {
        let result = try await play(ReplayTiming(speed: 4))
        #expect(result.sleeps == [.milliseconds(250), .milliseconds(750), .milliseconds(3250), .milliseconds(3375)])
    }

    @Test func maxIdleCapsTheScaledGaps() async throws {
        // Gaps 1, 2, 10, 0.5 s at speed 2 are 0.5, 1, 5, 0.25 s; capped at 1.5 s.
        let result = try await play(ReplayTiming(speed: 2, maxIdle: 1.5))
        #expect(result.total == .milliseconds(500 + 1000 + 1500 + 250))
    }

    @Test func instantNeverSleeps() async throws {
        let result = try await play(ReplayTiming(speed: 1, instant: true))
        #expect(result.sleeps.isEmpty)
        #expect(result.played.count == 5)
    }

    @Test func delayArithmetic() {
        #expect(ReplayTiming(speed: 10).delay(gapMillis: 1000) == .milliseconds(100))
        #expect(ReplayTiming(speed: 1, maxIdle: 0).delay(gapMillis: 60_000) == .zero)
        #expect(ReplayTiming().delay(gapMillis: -5) == .zero)
    }

    /// The real thing, end to end: gaps of 1 s and 2 s at --speed 10 take about 0.3 s; a 60 s gap
    /// with --max-idle 0.2 takes 0.2 s.
    @Test func realTimeReplayThroughTheCLI() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let base = millis("2026-11-22T10:00:00Z")
        try await record(
            [0, 1000, 3000, 63000].map {
                NewEvent(kind: .message, user: "alice", text: "t\($0)", timeMillis: base + $0)
            },
            at: directory.file("chat.sqlite"))
        let started = Date()
        let result = try await runCLI(["replay", "--speed", "10", "--max-idle", "0.2"], in: directory.path)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 4)
        #expect(result.stdout.hasPrefix("[2026-11-22 10:00:00] alice: t0\n"))
        // 0.1 + 0.2 (capped from 0.2) + 0.2 (capped from 6) = 0.5 s of waiting, plus process start.
        #expect(elapsed >= 0.45)
        #expect(elapsed < 10)
    }
}

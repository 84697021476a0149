import ChatModel
import ChatStore

/// Plays events like `ReplayPlayer`, under the control of a person: commands arriving in an
/// inbox pause and resume (a pause stops the clock, so the rest keeps its timing), step one event
/// while paused, skip ahead, or stop. Any `Clock` works; a virtual one in tests.
public struct InteractivePlayer<C: Clock>: Sendable where C.Duration == Duration {
    public let clock: C
    public let timing: ReplayTiming
    /// How far → jumps, in original time (or to the next event, when that is further).
    public var skip: Duration = .seconds(5)
    /// How often the progress line moves on during a wait; nil: only when an event shows.
    public var tick: Duration?

    public init(clock: C, timing: ReplayTiming) {
        self.clock = clock
        self.timing = timing
    }

    /// Plays `total` events (`first` to `last` ms) from `next` until they run out or `.quit`;
    /// `status` hears every change of the playhead or pause, and every `tick` while waiting. Returns whether it played to the end.
    @discardableResult
    public func play(
        next: () async throws -> Event?, total: Int, span: ClosedRange<Int64>, inbox: PlayerInbox,
        emit: (Event) async throws -> Void, status: (PlaybackStatus) -> Void
    ) async throws -> Bool {
        var current = PlaybackStatus(
            played: 0, total: total, positionMillis: 0, durationMillis: span.upperBound - span.lowerBound,
            paused: false)
        var position = span.lowerBound
        var generation = 0
        var timer: Task<Void, Never>?
        defer { timer?.cancel() }
        var pending = try await next()
        status(current)

        /// Shows `event` and takes the one after it; the playhead moves to `to` or the event.
        func show(_ event: Event, to target: Int64? = nil) async throws {
            try await emit(event)
            position = max(target ?? event.timeMillis, event.timeMillis)
            current.played += 1
            current.positionMillis = min(position, span.upperBound) - span.lowerBound
            pending = try await next()
        }

        var waitLeft = Duration.zero
        var waitFull = Duration.zero
        var deadline = clock.now

        /// The playhead in original time: `position`, moved towards `event` as the wait runs out
        /// (`left` of it to go: by default, as of now).
        func playhead(_ event: Event, left: Duration? = nil) -> Int64 {
            guard waitFull > .zero else { return position }
            let left = left ?? (current.paused ? waitLeft : max(.zero, clock.now.duration(to: deadline)))
            let done = max(0, min(1, 1 - left / waitFull))
            return position + Int64((Double(event.timeMillis - position) * done).rounded())
        }

        while let event = pending {
            // The pending event is due at `deadline` (playing) or `waitLeft` after resuming (paused).
            let signal: PlayerInbox.Signal
            if let queued = inbox.poll() {
                signal = queued
            } else if !current.paused && deadline <= clock.now {
                signal = .due(generation)
            } else {
                if !current.paused && timer == nil {
                    let (clock, due, mine, tick) = (clock, deadline, generation, tick)
                    timer = Task {
                        var next = tick.map { clock.now.advanced(by: $0) }
                        while let tick, let moment = next, moment < due {
                            guard (try? await clock.sleep(until: moment, tolerance: nil)) != nil else { return }
                            inbox.deliver(.tick(mine, left: moment.duration(to: due)))
                            next = moment.advanced(by: tick)
                        }
                        guard (try? await clock.sleep(until: due, tolerance: nil)) != nil else { return }
                        inbox.deliver(.due(mine))
                    }
                }
                signal = await inbox.next()
            }
            var moved = false
            switch signal {
            case .due(let mine) where mine == generation && !current.paused:
                try await show(event)
                moved = true
            case .due: continue
            case .tick(let mine, let left) where mine == generation && !current.paused:
                current.positionMillis = min(playhead(event, left: left), span.upperBound) - span.lowerBound
                status(current)
                continue
            case .tick: continue
            case .command(.togglePause):
                if current.paused {
                    deadline = clock.now.advanced(by: waitLeft)
                } else {
                    current.positionMillis = min(playhead(event), span.upperBound) - span.lowerBound
                    waitLeft = max(.zero, clock.now.duration(to: deadline))
                }
                current.paused.toggle()
            case .command(.step):
                guard current.paused else { continue }
                try await show(event)
                moved = true
            case .command(.skip):
                let target = max(playhead(event) + skip.milliseconds, event.timeMillis)
                try await show(event, to: target)
                while let following = pending, following.timeMillis <= target { try await show(following, to: target) }
                moved = true
            case .command(.quit):
                status(current)
                return false
            }
            if moved, let following = pending {
                waitLeft = timing.delay(gapMillis: following.timeMillis - position)
                waitFull = waitLeft
                deadline = clock.now.advanced(by: waitLeft)
            }
            // A new deadline or a pause makes the running timer stale.
            timer?.cancel()
            timer = nil
            generation += 1
            status(current)
        }
        return true
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

import ArgumentParser
import ChatModel
import ChatReplay
import ChatStore

/// `chat-replay replay`: prints a session with its original timing, optionally following a running
/// server; with `--to`, re-enacts it against a live server instead.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a session with its original timing, or re-enact it against a server (--to).",
        discussion: """
            `chat-replay sessions` lists the session numbers; `chat-replay export` writes a session \
            as a transcript instead of playing it.

            Examples:
              chat-replay replay --session 3 --speed 10 --max-idle 2
              chat-replay replay --follow
              chat-replay replay --follow --room dev
              chat-replay replay --session 3 --to 127.0.0.1:7071 --verify
            """)

    @OptionGroup var options: DatabaseOptions

    @Option(parsing: .unconditional, help: "Replay this session (default: the latest).")
    var session: Int64?

    @Option(parsing: .unconditional, help: "Play this many times faster than the original (0.5 is half speed).")
    var speed: Double = 1

    @Option(
        name: .customLong("max-idle"), parsing: .unconditional,
        help: "Wait at most this many seconds between two events.")
    var maxIdle: Double?

    @Flag(help: "Print everything at once, without waiting.")
    var instant = false

    @Flag(
        help: """
            Like tail -f: print the last few events (--context), then each new one as a running server \
            records it, until Ctrl+C.
            """)
    var follow = false

    @Flag(
        name: .customLong("from-start"),
        help: "With --follow: first replay the session (the latest, or --session) with its timing, then follow.")
    var fromStart = false

    @Option(parsing: .unconditional, help: "With --follow: how many of the latest events to print before following.")
    var context = 10

    @Flag(help: "Show times in local time instead of UTC.")
    var local = false

    @Option(help: "Replay or follow only this room (dev, #dev; case does not matter).")
    var room: String?

    @Flag(
        name: .customLong("include-private"),
        help: "Replay or follow private messages too (left out by default); a re-enactment always has them.")
    var includePrivate = false

    @Option(help: "Re-enact the session against the chat server at HOST:PORT (loopback only).")
    var to: String?

    @Flag(help: "With --to: compare what the target recorded with the original; exit 1 when they differ.")
    var verify = false

    @Option(
        name: .customLong("target-database"),
        help: "With --verify: read the target's own database instead of watching it with an observer client.")
    var targetDatabase: String?

    @Option(
        name: .customLong("connect-timeout"), parsing: .unconditional,
        help: "With --to: seconds to wait for each connection and echo.")
    var connectTimeout: Double = 10

    var timing: ReplayTiming { ReplayTiming(speed: speed, maxIdle: maxIdle, instant: instant) }

    func validate() throws {
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be a positive number") }
        if let maxIdle, !(maxIdle >= 0) { throw ValidationError("--max-idle must be zero or more seconds") }
        if to == nil && (verify || targetDatabase != nil) {
            throw ValidationError("--verify and --target-database need --to HOST:PORT")
        }
        if to != nil && follow { throw ValidationError("--follow and --to exclude each other") }
        if to != nil && (room != nil || includePrivate) {
            throw ValidationError("--to re-enacts the whole session: every room and every private message")
        }
        if fromStart && !follow { throw ValidationError("--from-start goes with --follow") }
        guard context >= 0 else { throw ValidationError("--context must be zero or more events") }
        if targetDatabase != nil && !verify { throw ValidationError("--target-database needs --verify") }
        if let to { _ = try LoopbackAddress(parsing: to) }
    }

    func run() async throws {
        try await options.withSource { source, place in try await run(source: source, place: place) }
    }

    /// Replays, follows or re-enacts from `source` (a file or a PostgreSQL database), which
    /// messages call `place`.
    private func run(source: any ReplaySource, place: String) async throws {
        if let to {
            let chosen = try await SessionLookup.resolve(session, in: source, path: place)
            try await reenact(session: chosen, source: source, target: try LoopbackAddress(parsing: to))
            return
        }
        let output = FileOutput.standardOutput()
        let local = local
        let selection = RoomSelection(room: room, includePrivate: includePrivate)
        // Lines name their room when more than one room is played.
        var showsRooms = false
        func emit(_ event: Event) throws {
            try output.write(TextTranscript.line(event, local: local, room: showsRooms) + "\n")
            try output.flush()
        }
        var after: Int64
        if follow && !fromStart && session == nil {
            // Like tail -f: start at the live end, with the last few events (of the room) for context.
            let filter = try await selection.apply(
                to: EventFilter(), source: source, path: place, missingOK: true)
            let context = context
            after = try await sourceQuery {
                if let room = filter.room { return try await source.eventID(room: room, fromEnd: context + 1) ?? 0 }
                return max(0, try await source.lastEventID() - Int64(context))
            }
        } else {
            // With --follow, an empty database is fine: wait for its first session.
            let empty = try await sourceQuery { try await source.latestSessionID() } == nil
            let chosen =
                follow && session == nil && empty
                ? nil : try await SessionLookup.resolve(session, in: source, path: place)
            let filter = try await selection.apply(
                to: EventFilter(session: chosen?.id ?? 0), source: source, path: place, missingOK: follow)
            if filter.room == nil {
                showsRooms = try await sourceQuery { try await source.rooms(selectedBy: filter) }.count > 1
            }
            if chosen != nil, !follow, !instant, TerminalReplay.isAvailable {
                try await TerminalReplay.play(
                    filter: filter, source: source, timing: timing, local: local, room: showsRooms)
                return
            }
            var pager = EventPager(source: source, filter: filter)
            let player = ReplayPlayer(clock: ContinuousClock(), timing: timing)
            try await player.play(next: { try await pager.next() }, emit: emit)
            after = pager.lastID ?? 0
        }
        if follow {
            let filter = try await selection.apply(
                to: EventFilter(), source: source, path: place, missingOK: true)
            // Following every room, lines name their room once the database has more than one.
            if filter.room == nil {
                showsRooms = try await sourceQuery { try await source.rooms(selectedBy: EventFilter()) }.count > 1
            }
            var follower = Follower(source: source, after: after, filter: filter)
            try await follower.run(emit: emit)
        }
        try output.finish()
    }
}

import ArgumentParser
import ChatModel
import ChatReplay
import ChatStore

/// `chat-replay export`: a transcript in one of six formats, streamed in constant memory.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a transcript: text, markdown, json, ndjson, csv or html.",
        discussion: """
            Without --session or --all, exports the latest session; but --since, --until and --after-id \
            select across all sessions unless --session is given. The last id written is reported on \
            standard error, so the next export can continue with --after-id. `chat-replay sessions` \
            lists the session numbers; `chat-replay replay` plays one back with its timing.

            Examples:
              chat-replay export --format html -o today.html
              chat-replay export --all --since 2d --user alice --format csv -o alice.csv
              chat-replay export --room dev --include-private --format markdown -o dev.md
            """)

    @OptionGroup var options: DatabaseOptions

    @Option(parsing: .unconditional, help: "Export this session.")
    var session: Int64?

    @Flag(help: "Export every session.")
    var all = false

    @Option(help: "Only events at or after this time: ISO 8601 (2026-11-22T10:00:00Z) or ago (2h, 3d).")
    var since: String?

    @Option(help: "Only events before this time: ISO 8601 or ago.")
    var until: String?

    @Option(help: "Only events of this room (dev, #dev; case does not matter).")
    var room: String?

    @Flag(
        name: .customLong("include-private"),
        help: "Include private messages (left out by default), marked as private in every format.")
    var includePrivate = false

    @Option(help: "Only events of this user (repeatable).")
    var user: [String] = []

    @Option(help: "Only these kinds, comma-separated: message,action,join,leave,topic,rename.")
    var kind: String?

    @Option(
        name: .customLong("after-id"), parsing: .unconditional,
        help: "Only events with an id above this one (incremental export).")
    var afterID: Int64?

    @Option(help: "text, markdown, json, ndjson, csv or html (default: from the -o file name, else text).")
    var format: TranscriptFormat?

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    @Flag(help: "Show times in local time instead of UTC (text, markdown, html).")
    var local = false

    func validate() throws {
        if session != nil && all { throw ValidationError("--session and --all exclude each other") }
        if let kind { _ = try Self.kinds(kind) }
    }

    static func kinds(_ list: String) throws(ValidationError) -> Set<EventKind> {
        var kinds: Set<EventKind> = []
        for name in list.split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let kind = EventKind(rawValue: trimmed) else {
                throw ValidationError(
                    "unknown kind \"\(trimmed)\" (kinds: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            kinds.insert(kind)
        }
        return kinds
    }

    func run() async throws {
        let now = currentTimeMillis()
        func time(_ text: String?, _ option: String) throws(ReplayError) -> Int64? {
            guard let text else { return nil }
            guard let millis = TimeArgument.parse(text, now: now) else {
                throw ReplayError("\(option) \(text): not a time (use ISO 8601 like 2026-11-22T10:00:00Z, or 2h, 3d)")
            }
            return millis
        }
        var filter = EventFilter(
            users: user, kinds: try kind.map(Self.kinds) ?? [], afterID: afterID,
            sinceMillis: try time(since, "--since"), untilMillis: try time(until, "--until"))
        let format = format ?? output.flatMap(TranscriptFormat.inferred(fromPath:)) ?? .text
        let summary = try await options.withSource { source, place in
            filter = try await RoomSelection(room: room, includePrivate: includePrivate).apply(
                to: filter, source: source, path: place)
            var title: String
            if all || (session == nil && (since != nil || until != nil || afterID != nil)) {
                title = "All sessions"
            } else {
                let chosen = try await SessionLookup.resolve(session, in: source, path: place)
                filter.session = chosen.id
                title = "Session \(chosen.id)"
            }
            if let room = filter.room { title += ", \(Room.display(room))" }
            let sink = try output.map(FileOutput.create(path:)) ?? FileOutput.standardOutput()
            var writer = format.writer(to: sink)
            let summary = try await Exporter.export(
                from: source, filter: filter,
                header: TranscriptHeader(title: title, local: local, spansSessions: all), to: &writer,
                progress: ProgressLine())
            try sink.finish()
            return summary
        }
        let noun = summary.count == 1 ? "event" : "events"
        if let lastID = summary.lastID {
            standardError("exported \(summary.count) \(noun); last id \(lastID) (continue with --after-id \(lastID))\n")
        } else {
            standardError("exported 0 events\n")
        }
    }
}

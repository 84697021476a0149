import ArgumentParser
import ChatModel
import ChatReplay
import ChatStore

/// `chat-replay search`: messages, actions and notices holding every word, newest first.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Find messages holding every word of a query, newest first.",
        discussion: """
            Searches the index chat-server keeps (case and accents do not matter: cafe finds Café). \
            Every room and every private message is searched unless --room or --user narrows it. \
            What the query holds is always words, never search syntax. Events the index has not \
            reached yet (a server catching up) are not found; a note on standard error says so.

            Examples:
              chat-replay search deploy friday
              chat-replay search --room dev --since 2d --format json "release notes"
            """)

    @OptionGroup var options: DatabaseOptions

    @Argument(help: "The words to find (all of them).")
    var query: [String]

    @Option(help: "Only this room (dev, #dev); private messages are then left out.")
    var room: String?

    @Option(help: "Only events by this user.")
    var user: String?

    @Option(help: "Only events at or after this time: ISO 8601 (2026-11-22T10:00:00Z) or ago (2h, 3d).")
    var since: String?

    @Option(help: "Only events before this time: ISO 8601 or ago.")
    var until: String?

    @Option(help: "At most this many results (1 to \(SearchScope.maxLimit)).")
    var limit = SearchScope.defaultLimit

    @Option(help: "text (one line per result, matches in [ ]) or json.")
    var format = SearchFormat.text

    enum SearchFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func run() async throws {
        let words = query.joined(separator: " ")
        guard SearchText.ftsQuery(words) != nil else { throw ReplayError("search: give at least one word") }
        guard (1...SearchScope.maxLimit).contains(limit) else {
            throw ReplayError("--limit \(limit): give 1 to \(SearchScope.maxLimit)")
        }
        let now = currentTimeMillis()
        func time(_ text: String?, _ option: String) throws(ReplayError) -> Int64? {
            guard let text else { return nil }
            guard let millis = TimeArgument.parse(text, now: now) else {
                throw ReplayError("\(option) \(text): not a time (use ISO 8601 like 2026-11-22T10:00:00Z, or 2h, 3d)")
            }
            return millis
        }
        let roomName = room.map { $0.hasPrefix("#") ? String($0.dropFirst()) : $0 }
        let scope = SearchScope(
            rooms: roomName.map { [$0] }, privateMessages: roomName == nil ? .all : .none, user: user,
            sinceMillis: try time(since, "--since"), untilMillis: try time(until, "--until"), limit: limit)
        let (hits, lag) = try await options.withSource { source, _ in
            try await sourceQuery { (try await source.search(words, in: scope), try await source.searchIndexLag()) }
        }
        if lag > 0 {
            standardError("chat-replay: note: the search index is \(lag) events behind; they are not searched yet\n")
        }
        let output = FileOutput.standardOutput()
        switch format {
        case .text: try output.write(SearchListing.text(hits))
        case .json: try output.write(SearchListing.json(query: words, hits))
        }
        try output.finish()
    }
}

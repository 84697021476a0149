import ChatModel
import ChatProtocol

/// Turns what the session reports into lines of text: plain lines for pipes and files, or styled
/// lines for a terminal. Text from others is always neutralised (`TextSanitizer`): it can never
/// move the cursor, change colours or clear the screen.
public struct OutputFormatter: Sendable {
    /// Terminal styling: SGR colours and symbols. Off for pipes (plain lines, no escape codes ever).
    public var styled: Bool
    /// Colours (only when styled): off for `NO_COLOR` and `--no-color`.
    public var color: Bool
    /// Plain live lines start with their local date and time, as history lines do (`--timestamps`).
    public var timestamps: Bool
    /// Now, in milliseconds: decides whether a time stamp needs its date.
    public var now: @Sendable () -> Int64

    public init(
        styled: Bool, color: Bool, timestamps: Bool = false,
        now: @escaping @Sendable () -> Int64 = currentTimeMillis
    ) {
        self.styled = styled
        self.color = color && styled
        self.timestamps = timestamps
        self.now = now
    }

    /// The lines for one output (usually one, sometimes none). `labels` says which rooms are
    /// named: their events get a `[#dev] ` prefix, their history blocks and answers the room's name.
    public func lines(_ output: ClientOutput, labels: (String) -> Bool = { _ in false }) -> [String] {
        /// The room's name when it is to be shown: `#dev`.
        func named(_ room: String?) -> String? {
            guard let room, labels(room) else { return nil }
            return Room.display(clean(room))
        }
        func of(_ room: String?) -> String { named(room).map { " of " + $0 } ?? "" }
        switch output {
        case .joined(let welcome, let requested, let resumed):
            let name = clean(welcome.name)
            var text = resumed ? "reconnected as \(name)" : "joined room \(clean(welcome.room)) as \(name)"
            if name.lowercased() != NameRules.normalize(requested).lowercased(), !requested.isEmpty {
                text += " (\(clean(requested)) was taken)"
            }
            return [notice(text)]
        case .historyBegin(let kind, let room):
            switch kind {
            case .join, .requested: return [separator("history" + of(room))]
            case .catchUp: return [separator("missed" + (named(room).map { " in " + $0 } ?? "") + " while away")]
            }
        case .historyEnd(let kind, let count, let room):
            switch kind {
            case .join, .requested:
                return [separator(count == 0 ? "no history" + of(room) : "end of history" + of(room) + " (\(count))")]
            case .catchUp:
                return count == 0
                    ? [] : [separator("caught up" + (named(room).map { " in " + $0 } ?? "") + " (\(count))")]
            }
        case .event(let event, let history):
            return [line(event, history: history, label: !event.isPrivate && labels(event.room))]
        case .gap(let after, let resumedAfter, let room):
            let place = named(room).map { " (\($0))" } ?? ""
            if resumedAfter <= after {
                return [
                    notice(
                        "the server's history\(place) does not reach back to where you left off (event \(after)); "
                            + "messages from then may be missing", warning: true)
                ]
            }
            let range = resumedAfter == after + 1 ? "event \(resumedAfter)" : "events \(after + 1)-\(resumedAfter)"
            return [
                notice(
                    "\(range)\(place) happened while you were away but are no longer in the server's history",
                    warning: true)
            ]
        case .who(let names, let room):
            let place = named(room) ?? "the room"
            guard !names.isEmpty else { return [notice("nobody is in \(place)")] }
            return [notice("in \(place) (\(names.count)): " + names.map(clean).joined(separator: ", "))]
        case .roomJoined(let room, let topic, let names):
            var text =
                "now in \(Room.display(clean(room))) (\(names.count)): " + names.map(clean).joined(separator: ", ")
            if !topic.isEmpty { text += "; topic: " + clean(topic) }
            return [notice(text)]
        case .roomList(let rooms):
            guard !rooms.isEmpty else { return [notice("no rooms")] }
            return [notice("rooms (\(rooms.count)):")]
                + rooms.map { room in
                    let people = room.members == 1 ? "1 person" : "\(room.members) people"
                    let topic = room.topic.isEmpty ? "" : ": " + clean(room.topic)
                    return notice("  \(Room.display(clean(room.name))), \(people)\(topic)")
                }
        case .topic(let room, let text, let by):
            let name = Room.display(clean(room))
            guard !text.isEmpty else { return [notice("\(name) has no topic")] }
            return [notice("topic of \(name): \(clean(text))" + (by.map { " (set by \(clean($0)))" } ?? ""))]
        case .renamed: return []  // the rename event in each room says it
        case .serverNotice(let text): return [notice(clean(text))]
        case .serverError(let text):
            let said = clean(text)
            return [notice(said.hasPrefix("error: ") ? said : "error: " + said, warning: true)]
        case .shutdown(let text):
            let said = clean(text)
            return [notice(said.isEmpty ? "the server is shutting down" : said, warning: true)]
        case .disconnected(let reason): return [notice("disconnected: \(clean(reason))", warning: true)]
        case .reconnecting(let attempt, let seconds, let failure):
            var text = "reconnecting in \(Self.seconds(seconds)) s (attempt \(attempt))"
            if let failure { text = "\(clean(failure)); " + text }
            return [notice(text)]
        case .queued: return [notice("queued: will be sent when reconnected")]
        case .queuedSent(let count):
            return [notice("sent \(Self.messages(count)) typed while disconnected")]
        case .queuedUnsent(let count):
            return [notice("\(Self.messages(count)) typed while disconnected will not be sent", warning: true)]
        case .roomClosed: return [notice("the room is closed; not reconnecting")]
        case .info(let text): return [notice(text)]
        case .searchResults(let query, let hits):
            // The header and footer dimmed; the server's words cleaned, its highlights kept as `[ ]`.
            return PlainText.searchLines(query: clean(query), hits: hits.map { $0.mappingText(clean) }).map {
                $0.hasPrefix("--- ") ? paint($0, "2") : $0
            }
        }
    }

    /// One event as a line: the `EventWords` sentence, neutralised; styled, with its time, the name
    /// in its colour, an arrow before a join (`→`) or a leave (`←`), private messages in magenta
    /// after `✉`. With `label`, the room's name comes first (plain) or after the time (styled): `[#dev] `.
    public func line(_ event: Event, history: HistoryKind?, label: Bool = false) -> String {
        let room = label ? "[\(Room.display(clean(event.room)))] " : ""
        guard styled else {
            let line = history == nil && !timestamps ? PlainText.line(event) : PlainText.historyLine(event, local: true)
            return room + line
        }
        let time = stamp(event.timeMillis, withDate: history != nil)
        if history == .join || history == .requested {
            return paint("\(time) \(room)\(PlainText.line(event))", "2")
        }
        if event.isPrivate {
            return paint(time, "2") + " " + paint("✉ " + PlainText.line(event), "35")
        }
        let body = EventWords(event).rendered { piece in
            let text = clean(piece.string)
            switch piece {
            case .name: return paint(text, "1;\(NameColor.code(for: text))")
            case .text: return text
            case .words: return event.kind.isPresence ? paint(text, "2") : text
            }
        }
        let arrow = event.kind == .join ? paint("→ ", "32") : event.kind == .leave ? paint("← ", "31") : ""
        return paint(time, "2") + " " + (room.isEmpty ? "" : paint(room, "2")) + arrow + body
    }

    private func stamp(_ millis: Int64, withDate: Bool) -> String {
        let clock = String(Timestamp.clock(millis).prefix(5))
        guard withDate, Timestamp.day(millis, local: true) != Timestamp.day(now(), local: true) else { return clock }
        return Timestamp.day(millis, local: true) + " " + clock
    }

    private func separator(_ title: String) -> String {
        let text = styled ? "── \(title) ──" : "--- \(title) ---"
        return paint(text, "2")
    }

    private func notice(_ text: String, warning: Bool = false) -> String {
        paint("*** " + text, warning ? "33" : "36")
    }

    private func paint(_ text: String, _ sgr: String) -> String {
        color ? "\u{1B}[\(sgr)m\(text)\u{1B}[0m" : text
    }

    private func clean(_ text: String) -> String { TextSanitizer.clean(text) }

    /// "1 message", "3 messages".
    static func messages(_ count: Int) -> String {
        count == 1 ? "1 message" : "\(count) messages"
    }

    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

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

    /// The lines for one output (usually one, sometimes none).
    public func lines(_ output: ClientOutput) -> [String] {
        switch output {
        case .joined(let welcome, let requested, let resumed):
            let name = clean(welcome.name)
            var text = resumed ? "reconnected as \(name)" : "joined room \(clean(welcome.room)) as \(name)"
            if name.lowercased() != NameRules.normalize(requested).lowercased(), !requested.isEmpty {
                text += " (\(clean(requested)) was taken)"
            }
            return [notice(text)]
        case .historyBegin(let kind):
            switch kind {
            case .join, .requested: return [separator("history")]
            case .catchUp: return [separator("missed while away")]
            }
        case .historyEnd(let kind, let count):
            switch kind {
            case .join, .requested:
                return [separator(count == 0 ? "no history" : "end of history (\(count))")]
            case .catchUp: return count == 0 ? [] : [separator("caught up (\(count))")]
            }
        case .event(let event, let history):
            return [line(event, history: history)]
        case .gap(let after, let resumedAfter):
            if resumedAfter <= after {
                return [
                    notice(
                        "the server's history does not reach back to where you left off (event \(after)); "
                            + "messages from then may be missing", warning: true)
                ]
            }
            let range = resumedAfter == after + 1 ? "event \(resumedAfter)" : "events \(after + 1)-\(resumedAfter)"
            return [
                notice("\(range) happened while you were away but are no longer in the server's history", warning: true)
            ]
        case .who(let names):
            return [notice("in the room (\(names.count)): " + names.map(clean).joined(separator: ", "))]
        case .serverNotice(let text): return [notice(clean(text))]
        case .serverError(let text): return [notice("error: " + clean(text), warning: true)]
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
        }
    }

    /// One event as a line: the `EventWords` sentence, neutralised; styled, with its time, the name
    /// in its colour, and an arrow before a join (`→`) or a leave (`←`).
    public func line(_ event: Event, history: HistoryKind?) -> String {
        guard styled else {
            return history == nil && !timestamps ? PlainText.line(event) : PlainText.historyLine(event, local: true)
        }
        let time = stamp(event.timeMillis, withDate: history != nil)
        if history == .join || history == .requested {
            return paint("\(time) \(PlainText.line(event))", "2")
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
        return paint(time, "2") + " " + arrow + body
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

/// The line being typed: its text, the cursor, and the lines typed before (recalled with ↑ ↓).
/// A value type with no I/O: `handle(_:)` says what the key means for the rest of the client.
///
/// It edits what a person sees as one character (a grapheme cluster, Swift's `Character`): keys
/// arrive one code point at a time, and each edit re-segments the line, so 👋 then 🏽 become one
/// character that one Backspace erases, as do 🇫🇷, e + U+0301 and 👨‍👩‍👧.
public struct LineEditor: Sendable, Equatable {
    /// What a key asks of the client.
    public enum Action: Sendable, Equatable {
        /// Nothing visible changed.
        case none
        /// The line or cursor changed: draw it again.
        case redraw
        /// Enter: the line is done (it is already in the history and the editor is empty).
        case submit(String)
        /// Ctrl+C, or Ctrl+D on an empty line.
        case quit
        /// Ctrl+L.
        case clearScreen
    }

    /// The characters (grapheme clusters) of the line.
    public private(set) var buffer: [Character] = []
    /// Where the cursor is: 0 before the first character, `buffer.count` after the last.
    public private(set) var cursor = 0
    /// Earlier lines, oldest first.
    public private(set) var history: [String] = []
    /// The most lines kept in `history`.
    public var historyLimit = 500
    /// While recalling: the index in `history` shown, and the line typed before recalling began.
    private var recall: (index: Int, draft: [Character])?

    public init(history: [String] = []) {
        self.history = history
    }

    /// The line as text.
    public var text: String { String(buffer) }

    /// Drops the newest line of the history (one that held a password).
    public mutating func forgetLastLine() {
        if !history.isEmpty { history.removeLast() }
    }

    public mutating func handle(_ key: Key) -> Action {
        switch key {
        case .character(let character):
            buffer.insert(character, at: cursor)
            cursor += 1
        case .enter:
            let line = text
            if !line.allSatisfy(\.isWhitespace), history.last != line {
                history.append(line)
                if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
            }
            buffer = []
            cursor = 0
            recall = nil
            return .submit(line)
        case .backspace:
            guard cursor > 0 else { return .none }
            cursor -= 1
            buffer.remove(at: cursor)
        case .delete:
            guard cursor < buffer.count else { return .none }
            buffer.remove(at: cursor)
        case .left:
            guard cursor > 0 else { return .none }
            cursor -= 1
        case .right:
            guard cursor < buffer.count else { return .none }
            cursor += 1
        case .home, .control("a"):
            cursor = 0
        case .end, .control("e"):
            cursor = buffer.count
        case .wordLeft:
            cursor = wordStart(before: cursor)
        case .wordRight:
            while cursor < buffer.count, buffer[cursor].isWhitespace { cursor += 1 }
            while cursor < buffer.count, !buffer[cursor].isWhitespace { cursor += 1 }
        case .control("u"):
            buffer.removeSubrange(0..<cursor)
            cursor = 0
        case .control("k"):
            buffer.removeSubrange(cursor...)
        case .control("w"):
            let start = wordStart(before: cursor)
            buffer.removeSubrange(start..<cursor)
            cursor = start
        case .control("c"):
            return .quit
        case .control("d"):
            if buffer.isEmpty { return .quit }
            return handle(.delete)
        case .control("l"):
            return .clearScreen
        case .up, .control("p"):
            return recallOlder()
        case .down, .control("n"):
            return recallNewer()
        default:
            return .none
        }
        resegment()
        return .redraw
    }

    /// Makes `buffer` the grapheme clusters of the text again after an edit (a skin tone, a second
    /// flag half, a combining mark or a joiner joins the character before it), keeping the cursor
    /// after the same text.
    private mutating func resegment() {
        let head = String(buffer[..<cursor])
        buffer = Array(head + String(buffer[cursor...]))
        cursor = min(head.count, buffer.count)
    }

    private func wordStart(before position: Int) -> Int {
        var index = position
        while index > 0, buffer[index - 1].isWhitespace { index -= 1 }
        while index > 0, !buffer[index - 1].isWhitespace { index -= 1 }
        return index
    }

    private mutating func recallOlder() -> Action {
        let index = (recall?.index ?? history.count) - 1
        guard index >= 0 else { return .none }
        if recall == nil { recall = (history.count, buffer) }
        recall!.index = index
        show(Array(history[index]))
        return .redraw
    }

    private mutating func recallNewer() -> Action {
        guard let current = recall else { return .none }
        let index = current.index + 1
        if index >= history.count {
            show(current.draft)
            recall = nil
        } else {
            recall!.index = index
            show(Array(history[index]))
        }
        return .redraw
    }

    private mutating func show(_ line: [Character]) {
        buffer = line
        cursor = line.count
    }

    public static func == (lhs: LineEditor, rhs: LineEditor) -> Bool {
        lhs.buffer == rhs.buffer && lhs.cursor == rhs.cursor && lhs.history == rhs.history
            && lhs.recall?.index == rhs.recall?.index
    }
}

import ChatModel
import ChatProtocol

/// Draws the prompt and the line being typed on one terminal row. A line wider than the terminal
/// scrolls sideways so the cursor is always visible; wide characters (CJK, emoji) take two columns.
public struct InputLine: Sendable, Equatable {
    /// Terminal columns.
    public var width: Int
    /// The first character shown.
    public private(set) var scroll = 0
    /// The cursor's column after the last `draw`.
    public private(set) var drawnColumn = 0

    public init(width: Int) {
        self.width = width
    }

    /// The bytes that redraw the row: clear it, write prompt and the visible part of the line,
    /// and put the cursor where the editor's cursor is. `styledPrompt` is `prompt` with colours.
    public mutating func draw(prompt: String, styledPrompt: String? = nil, editor: LineEditor) -> String {
        let promptWidth = Self.width(of: prompt)
        let room = max(width - promptWidth - 1, 4)
        let buffer = editor.buffer
        let cursor = editor.cursor
        scroll = min(scroll, cursor, buffer.count)
        while Self.width(of: buffer[scroll..<cursor]) > room { scroll += 1 }
        var end = scroll
        var used = 0
        while end < buffer.count {
            let next = Self.width(of: buffer[end])
            if used + next > room { break }
            used += next
            end += 1
        }
        let visible = TextSanitizer.clean(String(buffer[scroll..<end]))
        let column = promptWidth + Self.width(of: buffer[scroll..<cursor])
        drawnColumn = column
        var out = "\r\u{1B}[2K" + (styledPrompt ?? prompt) + visible + "\r"
        if column > 0 { out += "\u{1B}[\(column)C" }
        return out
    }

    /// After the terminal changed to `newWidth` columns: the bytes that clear the line as drawn
    /// before. A terminal that re-wraps the old, wider line onto several rows leaves the cursor
    /// on one of the lower ones: go up to the first and clear from there to the end of the screen.
    /// `draw` next.
    public mutating func resize(to newWidth: Int) -> String {
        let rowsUp = newWidth > 0 ? drawnColumn / newWidth : 0
        width = newWidth
        return (rowsUp > 0 ? "\u{1B}[\(rowsUp)A" : "") + "\r\u{1B}[J"
    }

    /// Terminal rows `line` (which may hold SGR colour codes) takes at `width` columns.
    static func rows(of line: String, width: Int) -> Int {
        let visible = line.replacing(/\u{1B}\[[0-9;]*m/, with: "")
        return max(1, (Self.width(of: visible) + max(width, 1) - 1) / max(width, 1))
    }

    /// Columns a run of characters takes.
    static func width(of characters: some Sequence<Character>) -> Int {
        characters.reduce(0) { $0 + width(of: $1) }
    }

    /// Columns one character (grapheme cluster) takes in a terminal: 2 for East Asian wide
    /// characters and emoji (flags, skin tones and joined sequences included), 0 for a combining
    /// mark or joiner with nothing to join, else 1.
    static func width(of character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        let properties = scalar.properties
        if properties.isEmojiPresentation || isWide(scalar.value) { return 2 }
        // A symbol with text presentation by default (☺, ❤) that asks for emoji with VS16.
        if properties.isEmoji, character.unicodeScalars.contains("\u{FE0F}") { return 2 }
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: return 1
        }
    }

    /// East Asian wide and fullwidth code points (Unicode's East Asian Width W and F).
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F1E6...0x1F1FF,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}

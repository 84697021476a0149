import Testing

@testable import ChatClient

/// The line editor works on what a person sees as one character, whatever the code points.
@Suite("grapheme editing")
struct GraphemeTests {
    /// An editor after the terminal sent `typed` and then `keys` (as raw bytes, one code point per key).
    func edited(_ typed: String, _ keys: String = "") -> LineEditor {
        var decoder = KeyDecoder()
        var editor = LineEditor()
        for key in decoder.feed(Array((typed + keys).utf8)) { _ = editor.handle(key) }
        return editor
    }

    static let backspace = "\u{7F}"
    static let left = "\u{1B}[D"
    static let delete = "\u{1B}[3~"

    @Test(
        "one Backspace erases one whole character",
        arguments: ["👋🏽", "🇫🇷", "👨‍👩‍👧", "e\u{301}", "❤️", "漢"])
    func backspace(character: String) {
        let editor = edited("a" + character, Self.backspace)
        #expect(editor.text == "a")
        #expect(editor.cursor == 1)
    }

    @Test("Delete, ← and Ctrl+W step over whole characters")
    func moveAndDelete() {
        var editor = edited("a👋🏽🇫🇷b", Self.left + Self.left + Self.left)
        #expect(editor.cursor == 1 && editor.buffer.count == 4)
        editor = edited("a👋🏽🇫🇷b", Self.left + Self.left + Self.left + Self.delete)
        #expect(editor.text == "a🇫🇷b" && editor.cursor == 1)
        editor = edited("hi e\u{301}👨‍👩‍👧🇫🇷", "\u{17}")
        #expect(editor.text == "hi ")
    }

    @Test("a combining mark or skin tone typed mid-line joins the character before the cursor")
    func joinsMidLine() {
        let editor = edited("ab", Self.left + "\u{301}")
        #expect(editor.text == "a\u{301}b" && editor.buffer.count == 2 && editor.cursor == 1)
        let waved = edited("👋x", Self.left + "🏽" + Self.backspace)
        #expect(waved.text == "x" && waved.cursor == 0)
    }

    @Test(
        "display width: 2 for wide characters and emoji sequences, 1 for a letter with its marks",
        arguments: [("👋🏽", 2), ("🇫🇷", 2), ("👨‍👩‍👧", 2), ("❤️", 2), ("漢", 2), ("e\u{301}", 1), ("a", 1)] as [(String, Int)])
    func width(character: String, columns: Int) {
        #expect(InputLine.width(of: Character(character)) == columns)
    }

    @Test("the cursor stands right after wide characters")
    func cursorColumn() {
        var line = InputLine(width: 80)
        let drawn = line.draw(prompt: "me> ", editor: edited("漢字👋🏽🇫🇷e\u{301}"))
        let column = 4 + 2 + 2 + 2 + 2 + 1  // prompt, 漢, 字, 👋🏽, 🇫🇷, é
        #expect(drawn.hasSuffix("\r\u{1B}[\(column)C"))
    }
}

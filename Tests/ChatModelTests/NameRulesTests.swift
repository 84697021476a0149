import ChatModel
import Testing

@Suite("Model: names are cleaned, and compared by skeleton")
struct NameRulesTests {
    /// Each way of writing something that looks like `alice` that issue #14 lists.
    static let variants: [(String, String)] = [
        ("zero-width space", "ali\u{200B}ce"),
        ("word joiner", "ali\u{2060}ce"),
        ("byte-order mark", "\u{FEFF}alice"),
        ("soft hyphen", "ali\u{00AD}ce"),
        ("combining grapheme joiner", "alic\u{034F}e"),
        ("variation selector", "alice\u{FE0F}"),
        ("tag character", "alice\u{E0041}"),
        ("right-to-left mark", "al\u{200F}ice"),
        ("zero-width joiner", "a\u{200D}lice"),
    ]

    @Test("invisible and format characters are removed, and the cleaning says so", arguments: variants)
    func invisibleRemoved(_ label: String, _ typed: String) {
        let cleaned = NameRules.clean(typed)
        #expect(cleaned.name == "alice", "\(label)")
        #expect(cleaned.changes == [.invisible], "\(label)")
        #expect(NameRules.skeleton(typed) == "alice", "\(label)")
    }

    @Test("compatibility forms become plain letters (NFKC)")
    func compatibility() {
        #expect(NameRules.clean("ａｌｉｃｅ") == CleanedName(name: "alice", changes: [.compatibility]))
        #expect(NameRules.normalize("𝐚𝐥𝐢𝐜𝐞") == "alice")
        #expect(NameRules.normalize("ⓐlice") == "alice")
        #expect(NameRules.normalize("ﬁsh") == "fish")
        #expect(NameRules.normalize("x²") == "x2")
        #expect(NameRules.normalize("ｱﾘｽ") == "アリス")
    }

    @Test("a Cyrillic а, other cases and full-width forms share alice's skeleton; other names do not")
    func skeletons() {
        #expect(NameRules.normalize("\u{0430}lice") == "\u{0430}lice", "a lookalike is a name, kept as typed")
        for lookalike in ["\u{0430}lice", "ALICE", "Alice", "ａｌｉｃｅ", "\u{0430}l\u{0456}\u{0441}\u{0435}", "αlice"] {
            #expect(NameRules.skeleton(lookalike) == NameRules.skeleton("alice"), "\(lookalike)")
        }
        #expect(NameRules.skeleton("ALICE") == NameRules.skeleton("alice"), "case is folded before lookalikes")
        #expect(NameRules.skeleton("b0b") == NameRules.skeleton("bob"), "0 looks like o")
        #expect(NameRules.skeleton("bob") != NameRules.skeleton("alice"))
        #expect(NameRules.skeleton("alice2") != NameRules.skeleton("alice"))
        #expect(NameRules.skeleton("émile") == NameRules.skeleton("e\u{0301}mile"), "composed or not")
        #expect(NameRules.skeleton("émile") != NameRules.skeleton("emile"), "an accent is a difference")
    }

    @Test("reserved names are compared by skeleton")
    func reserved() {
        for name in ["server", "SERVER", "\u{0455}erver", "server\u{200B}", "ｓｅｒｖｅｒ", "Ѕеrvеr", "аdmin"] {
            #expect(NameRules.isReserved(name), "\(name)")
        }
        #expect(NameRules.reservedName(like: "\u{0455}erver") == "server")
        #expect(!NameRules.isReserved("servers"))
        #expect(!NameRules.isReserved("alice"))
    }

    @Test("a name is at most 24 characters and 64 bytes; stacked combining marks do not pass")
    func lengths() {
        let marks = String(repeating: "\u{0301}", count: 1_850)
        #expect(marks.utf8.count == 3_700)
        let onlyMarks = NameRules.clean(marks)
        #expect(onlyMarks.name.isEmpty && onlyMarks.changes == [.marks])
        let zalgo = NameRules.clean("a" + marks + "b")
        #expect(zalgo.name == "a\u{0301}\u{0301}\u{0301}b" && zalgo.changes == [.marks])
        let wide = NameRules.clean(String(repeating: "😀", count: 20))
        #expect(wide.name.utf8.count <= NameRules.maxBytes && wide.name.count == 16 && wide.changes == [.tooLong])
        #expect(NameRules.normalize(String(repeating: "x", count: 30)).count == NameRules.maxLength)
        let long = String(repeating: "ж", count: 32)
        #expect(NameRules.unique(long) { $0 == long }.utf8.count <= NameRules.maxBytes)
    }

    @Test("plain names are kept as typed; spaces become _")
    func plain() {
        #expect(NameRules.clean("alice") == CleanedName(name: "alice", changes: []))
        #expect(NameRules.clean("  José  ") == CleanedName(name: "José", changes: []))
        #expect(NameRules.clean("alice smith") == CleanedName(name: "alice_smith", changes: [.spaces]))
        #expect(NameRules.clean("\u{200B}\u{2060}").name.isEmpty)
    }
}

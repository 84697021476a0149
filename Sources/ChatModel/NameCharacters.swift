/// Which characters a name may not carry.
enum NameCharacters {
    /// Invisible: general category Cf (format: zero-width space, joiners, bidirectional marks,
    /// soft hyphen, tags), default ignorables (variation selectors, the combining grapheme joiner,
    /// Hangul fillers) and U+FEFF.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        return properties.generalCategory == .format || properties.isDefaultIgnorableCodePoint
            || properties.isVariationSelector || (0xE0000...0xE0FFF).contains(scalar.value)
    }

    /// True for a combining mark.
    static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    /// `character` with at most `NameRules.maxMarksPerCharacter` combining marks; with none when it
    /// is only marks at the start of a name (`leading`), which would stack on nothing.
    static func limitMarks(_ character: Character, leading: Bool) -> String {
        var marks = 0
        var kept = String.UnicodeScalarView()
        for scalar in character.unicodeScalars {
            if isMark(scalar) {
                if kept.isEmpty && leading { continue }
                marks += 1
                if marks > NameRules.maxMarksPerCharacter { continue }
            }
            kept.append(scalar)
        }
        return String(kept)
    }
}

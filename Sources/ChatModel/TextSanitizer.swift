/// Makes text from one person safe to show on another person's terminal.
///
/// C0 control characters (ESC among them) and DEL become visible caret notation (`^[`), C1
/// controls and the bidirectional overrides that can disguise text become U+FFFD, and a tab
/// becomes a space. Invalid UTF-8 was already replaced by U+FFFD when the bytes were decoded.
/// The result can never move a cursor, change a colour or clear a screen.
public enum TextSanitizer {
    /// The neutralised text.
    public static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsCare) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09: result.append(" ")
            case 0x00..<0x20:
                result.append("^")
                result.append(Unicode.Scalar(UInt8(scalar.value) + 0x40))
            case 0x7F: result.append(contentsOf: "^?".unicodeScalars)
            case 0x80..<0xA0, 0x202A...0x202E, 0x2066...0x2069: result.append("\u{FFFD}")
            default: result.append(scalar)
            }
        }
        return String(result)
    }

    /// Decodes bytes as UTF-8 (invalid sequences become U+FFFD) and cleans the text.
    public static func clean<Bytes: Collection<UInt8>>(bytes: Bytes) -> String {
        clean(String(decoding: bytes, as: UTF8.self))
    }

    private static func needsCare(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F..<0xA0).contains(value) || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value)
    }
}

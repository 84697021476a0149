/// Makes text from one person safe to show on another person's terminal, as `CharacterPolicy`
/// says: C0 controls (ESC among them) and DEL become caret notation (`^[`, `^?`), C1 controls and
/// bidirectional formatting become U+FFFD, a tab or a line or paragraph separator becomes a space.
/// Invalid UTF-8 was already replaced by U+FFFD when the bytes were decoded. The result can never
/// move a cursor, change a colour, clear a screen or reorder the text around it.
public enum TextSanitizer {
    /// The neutralised text.
    public static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: CharacterPolicy.isUnsafe) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch CharacterPolicy.treatment(of: scalar) {
            case .keep: result.append(scalar)
            case .space: result.append(" ")
            case .replace: result.append("\u{FFFD}")
            case .caret:
                result.append("^")
                result.append(Unicode.Scalar(UInt8((scalar.value + 0x40) & 0x7F)))
            }
        }
        return String(result)
    }

    /// Decodes bytes as UTF-8 (invalid sequences become U+FFFD) and cleans the text.
    public static func clean<Bytes: Collection<UInt8>>(bytes: Bytes) -> String {
        clean(String(decoding: bytes, as: UTF8.self))
    }
}

/// The one table of the characters that must not reach a screen as they are: controls, the
/// separators that would break a line, and the invisible bidirectional formatting that can
/// disguise text. `TextSanitizer`, `NameRules` and the client's line editor all ask it.
public enum CharacterPolicy {
    /// What becomes of one scalar in text shown to people.
    public enum Treatment: Sendable, Equatable {
        /// Shown as it is.
        case keep
        /// A C0 control or DEL: shown in caret notation (`^[`, `^?`).
        case caret
        /// A tab, or a line or paragraph separator (U+2028, U+2029): a space.
        case space
        /// A C1 control, or a bidirectional mark (LRM, RLM, ALM), embedding, override or isolate: U+FFFD.
        case replace
    }

    /// How `scalar` is shown.
    public static func treatment(of scalar: Unicode.Scalar) -> Treatment {
        switch scalar.value {
        case 0x09, 0x2028, 0x2029: .space
        case 0x00..<0x20, 0x7F: .caret
        case 0x80..<0xA0, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: .replace
        default: .keep
        }
    }

    /// True when `scalar` is not shown as it is.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        treatment(of: scalar) != .keep
    }
}

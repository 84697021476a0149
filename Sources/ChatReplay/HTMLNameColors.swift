import ChatModel

/// The client's stable name colours (`NameColor`, an ANSI colour per name) as CSS: for each ANSI
/// colour a darker shade for the light theme and a lighter one for the dark theme, both with the
/// hue the terminal shows, each readable on its theme's background (contrast at least 4.5:1).
public enum HTMLNameColors {
    /// The page's background in the light and in the dark theme.
    public static let backgrounds = (light: "#ffffff", dark: "#0f1115")

    /// ANSI code → (light theme, dark theme) colour.
    public static let shades: [Int: (light: String, dark: String)] = [
        31: ("#b42318", "#ff7b72"), 32: ("#1a7f37", "#56d364"), 33: ("#8a5a00", "#e3b341"),
        34: ("#0b57d0", "#79b8ff"), 35: ("#a0309a", "#e58ae0"), 36: ("#00707e", "#56d4dd"),
        91: ("#c4311a", "#ffa198"), 92: ("#276e00", "#8ddb6a"), 93: ("#7d5c00", "#f2cc60"),
        94: ("#5043c9", "#a5b4ff"), 95: ("#b0307c", "#ff9bce"), 96: ("#0a6f64", "#76e3ea"),
    ]

    /// The class that colours `name`: `n31`.
    public static func className(for name: String) -> String {
        "n\(NameColor.code(for: name))"
    }

    /// One rule per colour for the light theme, and the same for the dark theme.
    static func rules(dark: Bool) -> String {
        NameColor.palette.map { code in
            ".n\(code) { color: \(dark ? shades[code]!.dark : shades[code]!.light); }"
        }.joined(separator: " ")
    }
}

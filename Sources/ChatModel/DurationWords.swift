/// Lengths of time as people type and read them: `90s`, `15m`, `2h`, `7d`.
public enum DurationWords {
    /// Seconds in `text` (a whole number and one of s, m, h, d; `w` for weeks), nil when it is not one.
    public static func seconds(_ text: String) -> Int? {
        guard let unit = text.last, let number = Int(text.dropLast()), number > 0 else { return nil }
        let scale: Int? = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800][unit]
        guard let scale, number <= Int.max / scale else { return nil }
        return number * scale
    }

    /// `seconds` in the largest whole unit: `2h`, `90m`, `45s`.
    public static func text(seconds: Int) -> String {
        for (unit, scale) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] where seconds % scale == 0 {
            return "\(seconds / scale)\(unit)"
        }
        return "\(seconds)s"
    }
}

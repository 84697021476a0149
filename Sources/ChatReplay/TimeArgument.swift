import ChatModel
import ChatProtocol

/// A point in time given on the command line: ISO 8601 (`2026-11-22T10:00:00Z`, `2026-11-22 10:00`,
/// `2026-11-22`; no zone means UTC) or a time ago (`90s`, `15m`, `2h`, `3d`, `1w`, `1h30m`).
public enum TimeArgument {
    /// Milliseconds since 1970 UTC, or nil when `text` is neither form.
    public static func parse(_ text: String, now: Int64) -> Int64? {
        if let millis = Timestamp.parse(text) { return millis }
        guard let ago = parseDuration(text) else { return nil }
        return now - ago
    }

    /// `1h30m` as milliseconds; units s, m, h, d, w.
    public static func parseDuration(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64?
        var sawUnit = false
        for character in text.lowercased() {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (product, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                number = product + Int64(digit)
                continue
            }
            guard let value = number else { return nil }
            let unit: Int64
            switch character {
            case "s": unit = 1000
            case "m": unit = 60_000
            case "h": unit = 3_600_000
            case "d": unit = 86_400_000
            case "w": unit = 604_800_000
            default: return nil
            }
            let (part, overflow) = value.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            total += part
            number = nil
            sawUnit = true
        }
        guard sawUnit, number == nil else { return nil }
        return total
    }
}

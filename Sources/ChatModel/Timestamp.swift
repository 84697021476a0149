#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Formats and parses event times (milliseconds since 1970-01-01 UTC).
public enum Timestamp {
    /// `2026-11-22T10:01:02.123Z`: the wire and export form.
    public static func iso8601(_ millis: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendISO8601(millis, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `2026-11-22T10:01:02.123Z` to `out`, computing the civil date arithmetically
    /// (no libc call, no string): exports format millions of these.
    public static func appendISO8601(_ millis: Int64, to out: inout [UInt8]) {
        let (date, milliOfDay) = civil(millis)
        appendDigits(date.year, 4, &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(date.month, 2, &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(date.day, 2, &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(milliOfDay / 3_600_000, 2, &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(milliOfDay / 60_000 % 60, 2, &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(milliOfDay / 1000 % 60, 2, &out)
        out.append(UInt8(ascii: "."))
        appendDigits(milliOfDay % 1000, 3, &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// Year, month, day and the millisecond of the day, in UTC (Howard Hinnant's civil_from_days).
    static func civil(_ millis: Int64) -> (date: (year: Int, month: Int, day: Int), milliOfDay: Int) {
        let days = Int(millis.floorDivided(by: 86_400_000))
        let milliOfDay = Int(millis - Int64(days) * 86_400_000)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return ((year, month, day), milliOfDay)
    }

    private static func appendDigits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    /// `2026-11-22 10:01:02` in UTC, or in local time when `local` is true.
    public static func readable(_ millis: Int64, local: Bool = false) -> String {
        let parts = fields(millis, local: local)
        return "\(parts.date) \(parts.time)"
    }

    /// `10:01:02` in local time.
    public static func clock(_ millis: Int64, local: Bool = true) -> String {
        fields(millis, local: local).time
    }

    /// `2026-11-22`.
    public static func day(_ millis: Int64, local: Bool = false) -> String {
        fields(millis, local: local).date
    }

    /// Parses `2026-11-22T10:01:02Z`, `2026-11-22T10:01:02.5+01:00`, `2026-11-22 10:01`, `2026-11-22`
    /// (no zone means UTC).
    public static func parse(_ text: String) -> Int64? {
        let scalars = Array(text.trimmingWhitespace.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= scalars.count else { return nil }
            var value = 0
            for byte in scalars[index..<index + digits] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < scalars.count, scalars[index] == character else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
            let day = number(2)
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var millis = 0
        var offsetMinutes = 0
        if index < scalars.count {
            guard expect(UInt8(ascii: "T")) || expect(UInt8(ascii: " ")) else { return nil }
            guard let h = number(2), expect(UInt8(ascii: ":")), let m = number(2) else { return nil }
            hour = h
            minute = m
            if expect(UInt8(ascii: ":")) {
                guard let s = number(2) else { return nil }
                second = s
                if expect(UInt8(ascii: ".")) {
                    var scale = 100
                    while index < scalars.count, (48...57).contains(scalars[index]) {
                        millis += Int(scalars[index] - 48) * scale
                        scale /= 10
                        index += 1
                    }
                }
            }
            if expect(UInt8(ascii: "Z")) {
            } else if index < scalars.count {
                let sign = scalars[index] == UInt8(ascii: "-") ? -1 : 1
                guard expect(UInt8(ascii: "+")) || expect(UInt8(ascii: "-")), let oh = number(2) else { return nil }
                _ = expect(UInt8(ascii: ":"))
                let om = number(2) ?? 0
                offsetMinutes = sign * (oh * 60 + om)
            }
        }
        guard index == scalars.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = Int64(timegm(&parts)) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }

    private static func fields(_ millis: Int64, local: Bool) -> (date: String, time: String) {
        var seconds = time_t(millis.floorDivided(by: 1000))
        var parts = tm()
        if local { localtime_r(&seconds, &parts) } else { gmtime_r(&seconds, &parts) }
        let date = "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
        let time = "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
        return (date, time)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

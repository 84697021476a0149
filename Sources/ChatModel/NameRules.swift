/// How a name typed by a person becomes the name the room shows.
public enum NameRules {
    /// The longest name, in characters.
    public static let maxLength = 24
    /// The name given to someone who gives none.
    public static let defaultName = "USR"
    /// Names nobody may take, compared without case: they would pass for the server.
    public static let reserved: Set<String> = [
        "server", "system", "admin", "administrator", "root", "chat", "chatroom", "moderator", "everyone", "nobody",
    ]

    /// Trims, drops control characters, turns inner white space into `_`, and cuts to `maxLength`.
    /// An empty result means no name was given.
    public static func normalize(_ raw: String) -> String {
        let kept = raw.unicodeScalars.filter { scalar in
            !(scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) || (0x202A...0x202E).contains(scalar.value)
                || (0x2066...0x2069).contains(scalar.value) || scalar == "\u{FFFD}")
        }
        let words = String(String.UnicodeScalarView(kept)).split(whereSeparator: \.isWhitespace)
        return String(words.joined(separator: "_").prefix(maxLength))
    }

    /// True when `name` may not be used.
    public static func isReserved(_ name: String) -> Bool {
        reserved.contains(name.lowercased())
    }

    /// `name`, or `name2`, `name3`, ... : the first one that `isTaken` does not claim.
    public static func unique(_ name: String, isTaken: (String) -> Bool) -> String {
        guard isTaken(name) else { return name }
        var number = 2
        while true {
            let suffix = String(number)
            let candidate = String(name.prefix(maxLength - suffix.count)) + suffix
            if !isTaken(candidate) { return candidate }
            number += 1
        }
    }
}

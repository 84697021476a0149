/// One IRC line (RFC 1459/2812 and the Modern IRC documents): optional IRCv3 tags, an optional
/// source, a command and its parameters. Parsing is strict enough to refuse what would be
/// ambiguous (an empty command, a space in a middle parameter) and keeps everything else as sent.
public struct IRCMessage: Sendable, Equatable {
    /// IRCv3 message tags, in the order given, values unescaped (nil: a tag without a value).
    public var tags: [(key: String, value: String?)]
    /// `nick!user@host` or a server name, without the colon.
    public var source: String?
    /// The command, upper-cased (`PRIVMSG`), or a three-digit numeric.
    public var command: String
    /// The parameters; the last may contain spaces (sent as a trailing `:` parameter).
    public var parameters: [String]

    public init(
        tags: [(key: String, value: String?)] = [], source: String? = nil, command: String, _ parameters: [String] = []
    ) {
        self.tags = tags
        self.source = source
        self.command = command
        self.parameters = parameters
    }

    public static func == (lhs: IRCMessage, rhs: IRCMessage) -> Bool {
        lhs.source == rhs.source && lhs.command == rhs.command && lhs.parameters == rhs.parameters
            && lhs.tags.map(\.key) == rhs.tags.map(\.key) && lhs.tags.map(\.value) == rhs.tags.map(\.value)
    }

    /// The value of tag `key`, if it was given with one.
    public func tag(_ key: String) -> String? {
        tags.first { $0.key == key }?.value ?? nil
    }

    /// The client-only tags (`+name`, IRCv3 message-tags) in wire form, escaped again
    /// (`+typing=active;+draft/reply=42`); nil when there are none. Other tags, and keys of other
    /// characters than letters, digits, `-`, `.` and `/`, are dropped.
    public var clientTags: String? {
        let client = tags.filter { tag in
            tag.key.hasPrefix("+") && tag.key.count > 1
                && tag.key.dropFirst().allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-./".contains($0)) }
        }
        return client.isEmpty ? nil : Self.wire(client)
    }

    /// Tags as sent: `key=value` (escaped) or `key`, joined by `;`.
    static func wire(_ tags: [(key: String, value: String?)]) -> String {
        tags.map { tag in tag.value.map { tag.key + "=" + escape($0) } ?? tag.key }.joined(separator: ";")
    }
}

/// Why a line is not an IRC message.
public enum IRCParseError: Error, Sendable, Equatable {
    case empty
    case noCommand
    case badTags
}

extension IRCMessage {
    /// Parses one line, without its `\r\n`.
    public init(parsing line: Substring) throws(IRCParseError) {
        var rest = line.drop { $0 == " " }
        guard !rest.isEmpty else { throw .empty }
        var tags: [(key: String, value: String?)] = []
        if rest.first == "@" {
            let end = rest.firstIndex(of: " ") ?? rest.endIndex
            for item in rest[rest.index(after: rest.startIndex)..<end].split(separator: ";") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let key = pair.first, !key.isEmpty else { throw .badTags }
                let value = pair.count == 2 ? Self.unescape(pair[1]) : nil
                tags.append((String(key), value.flatMap { $0.isEmpty ? nil : $0 }))
            }
            rest = rest[end...].drop { $0 == " " }
        }
        var source: String?
        if rest.first == ":" {
            let end = rest.firstIndex(of: " ") ?? rest.endIndex
            source = String(rest[rest.index(after: rest.startIndex)..<end])
            rest = rest[end...].drop { $0 == " " }
        }
        let commandEnd = rest.firstIndex(of: " ") ?? rest.endIndex
        let command = rest[..<commandEnd]
        guard !command.isEmpty, command.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .noCommand
        }
        rest = rest[commandEnd...]
        var parameters: [String] = []
        while true {
            rest = rest.drop { $0 == " " }
            guard !rest.isEmpty else { break }
            if rest.first == ":" {
                parameters.append(String(rest.dropFirst()))
                break
            }
            let end = rest.firstIndex(of: " ") ?? rest.endIndex
            parameters.append(String(rest[..<end]))
            rest = rest[end...]
        }
        self.init(tags: tags, source: source, command: command.uppercased(), parameters)
    }

    /// The line as sent, without `\r\n`: the last parameter is trailing (`:`) when it needs to be.
    public var line: String {
        var text = ""
        if !tags.isEmpty {
            text += "@" + Self.wire(tags) + " "
        }
        if let source { text += ":\(source) " }
        text += command
        for (index, parameter) in parameters.enumerated() {
            let last = index == parameters.count - 1
            if last && (parameter.isEmpty || parameter.contains(" ") || parameter.first == ":") {
                text += " :" + parameter
            } else {
                text += " " + parameter
            }
        }
        return text
    }

    /// IRCv3 tag value escaping: `;` `\s` `\\` `\r` `\n`.
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case ";": out += "\\:"
            case " ": out += "\\s"
            case "\\": out += "\\\\"
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescape(_ value: Substring) -> String {
        var out = ""
        var escaped = false
        for character in value {
            if escaped {
                switch character {
                case ":": out += ";"
                case "s": out += " "
                case "r": out += "\r"
                case "n": out += "\n"
                default: out.append(character)  // `\\` and any other: the character itself
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}

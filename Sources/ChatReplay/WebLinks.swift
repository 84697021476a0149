/// Finds `http://` and `https://` links in a person's text, and nothing else: no other scheme, no
/// markup. A link is printable ASCII up to a space, a control, a non-ASCII character or one of
/// `" ' < > \ ^ ` { | }`; trailing `. , ; : ! ?` and an unmatched `)` or `]` are left out, as a
/// sentence ends after a link.
public enum WebLinks {
    public enum Segment: Sendable, Equatable {
        case text(String)
        case link(String)
    }

    /// `text` cut into plain text and links, in order; joined, the segments are `text` again.
    public static func split(_ text: String) -> [Segment] {
        let scalars = Array(text.unicodeScalars)
        var segments: [Segment] = []
        var plainStart = 0
        var index = 0
        while index < scalars.count {
            guard let end = linkEnd(scalars, at: index) else {
                index += 1
                continue
            }
            if plainStart < index { segments.append(.text(string(scalars[plainStart..<index]))) }
            segments.append(.link(string(scalars[index..<end])))
            index = end
            plainStart = end
        }
        if plainStart < scalars.count { segments.append(.text(string(scalars[plainStart...]))) }
        return segments
    }

    /// Where a link starting at `start` ends, or nil when none starts there.
    private static func linkEnd(_ scalars: [Unicode.Scalar], at start: Int) -> Int? {
        if start > 0, scalars[start - 1].properties.isAlphabetic || ("0"..."9").contains(scalars[start - 1]) {
            return nil
        }
        var prefixEnd: Int?
        for scheme in ["https://", "http://"] where hasPrefix(scalars, scheme, at: start) {
            prefixEnd = start + scheme.unicodeScalars.count
            break
        }
        guard let prefixEnd else { return nil }
        var end = prefixEnd
        while end < scalars.count, isLinkCharacter(scalars[end]) { end += 1 }
        while end > prefixEnd, shouldTrim(scalars[prefixEnd..<end]) { end -= 1 }
        return end > prefixEnd ? end : nil
    }

    private static func shouldTrim(_ link: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let last = link.last else { return false }
        switch last {
        case ".", ",", ";", ":", "!", "?": return true
        case ")": return link.filter { $0 == "(" }.count < link.filter { $0 == ")" }.count
        case "]": return link.filter { $0 == "[" }.count < link.filter { $0 == "]" }.count
        default: return false
        }
    }

    private static func isLinkCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x20 && scalar.value < 0x7F && !"\"'<>\\^`{|}".unicodeScalars.contains(scalar)
    }

    private static func hasPrefix(_ scalars: [Unicode.Scalar], _ prefix: String, at start: Int) -> Bool {
        let wanted = Array(prefix.unicodeScalars)
        guard start + wanted.count <= scalars.count else { return false }
        return zip(scalars[start...], wanted).allSatisfy { String($0.0).lowercased() == String($0.1) }
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}

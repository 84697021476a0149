/// Writes JSON objects with their keys in a fixed order, so that the wire and every export
/// show the same bytes for the same event.
public struct JSONObject {
    private var text = "{"
    private var empty = true

    public init() {}

    private mutating func key(_ name: String) {
        if !empty { text += "," }
        empty = false
        text += "\""
        text += name
        text += "\":"
    }

    public mutating func add(_ name: String, _ value: String) {
        key(name)
        JSONObject.appendQuoted(value, to: &text)
    }

    public mutating func add(_ name: String, _ value: String?) {
        if let value { add(name, value) }
    }

    public mutating func add(_ name: String, _ value: Int64) {
        key(name)
        text += String(value)
    }

    public mutating func add(_ name: String, _ value: Int64?) {
        if let value { add(name, value) }
    }

    public mutating func add(_ name: String, _ value: Bool) {
        key(name)
        text += value ? "true" : "false"
    }

    public mutating func add(_ name: String, strings: [String]) {
        key(name)
        text += "["
        for (offset, value) in strings.enumerated() {
            if offset > 0 { text += "," }
            JSONObject.appendQuoted(value, to: &text)
        }
        text += "]"
    }

    /// Adds an already-encoded JSON value.
    public mutating func add(_ name: String, raw: String) {
        key(name)
        text += raw
    }

    /// The finished object.
    public var string: String { text + "}" }

    /// Appends `value` as a JSON string literal.
    public static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        var plainStart = value.utf8.startIndex
        let utf8 = value.utf8
        var index = plainStart
        while index != utf8.endIndex {
            let byte = utf8[index]
            let escape: String?
            switch byte {
            case UInt8(ascii: "\""): escape = "\\\""
            case UInt8(ascii: "\\"): escape = "\\\\"
            case UInt8(ascii: "\n"): escape = "\\n"
            case UInt8(ascii: "\r"): escape = "\\r"
            case UInt8(ascii: "\t"): escape = "\\t"
            case 0..<0x20:
                let hex = String(byte, radix: 16)
                escape = "\\u00" + (hex.count == 1 ? "0" + hex : hex)
            default: escape = nil
            }
            if let escape {
                text += value[plainStart..<index]
                text += escape
                plainStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        text += value[plainStart..<utf8.endIndex]
        text += "\""
    }
}

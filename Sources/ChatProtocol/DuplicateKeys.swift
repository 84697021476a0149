/// Finds a key that one object of a JSON text names twice. Parsers disagree about which of the two
/// counts (Foundation keeps the first, most others the last), so the protocol refuses such text.
enum DuplicateKeys {
    /// The first key named twice within one object, or nil. Invalid JSON is left to the parser.
    static func first(in bytes: [UInt8]) -> String? {
        // Per open container, the keys seen so far; nil for an array.
        var containers: [Set<String>?] = []
        var expectingKey = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "{"):
                containers.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                containers.append(nil)
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = containers.popLast()
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = containers.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                let string = readString(bytes, from: &index)
                if expectingKey, let last = containers.indices.last,
                    containers[last]?.insert(string).inserted == false
                {
                    return string
                }
                expectingKey = false
            default: continue
            }
        }
        return nil
    }

    /// A string's value, read from just past its opening quote to just past its closing one, with
    /// its escapes decoded (`"t\u0065xt"` is `text`).
    private static func readString(_ bytes: [UInt8], from index: inout Int) -> String {
        var units: [UInt16] = []
        var raw: [UInt8] = []
        func flush() {
            units += String(decoding: raw, as: UTF8.self).utf16
            raw.removeAll()
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\"), index < bytes.count else {
                raw.append(byte)
                continue
            }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "n"): raw.append(0x0A)
            case UInt8(ascii: "r"): raw.append(0x0D)
            case UInt8(ascii: "t"): raw.append(0x09)
            case UInt8(ascii: "b"): raw.append(0x08)
            case UInt8(ascii: "f"): raw.append(0x0C)
            case UInt8(ascii: "u"):
                guard index + 4 <= bytes.count,
                    let unit = UInt16(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
                else { continue }
                index += 4
                flush()
                units.append(unit)
            default: raw.append(escaped)
            }
        }
        flush()
        return String(decoding: units, as: UTF16.self)
    }
}

import ChatModel

/// Turns the bytes a terminal sends in raw mode into keys: UTF-8 characters, control keys, Alt+B,
/// Alt+F, Alt+1…9, and the escape sequences of arrows, Home, End and Delete (both `ESC [` and
/// `ESC O` forms). A sequence
/// split across reads is kept until the rest arrives.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// The keys in `bytes`, after any bytes left over from before.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending.append(contentsOf: bytes)
        var keys: [Key] = []
        var index = 0
        while index < pending.count {
            guard let (key, length) = Self.decode(pending[index...]) else { break }
            if let key { keys.append(key) }
            index += length
        }
        pending.removeFirst(index)
        return keys
    }

    /// A lone ESC waiting for more: the caller may call this after a pause to get `.escape`.
    public mutating func flush() -> [Key] {
        defer { pending.removeAll() }
        return pending.isEmpty ? [] : [.escape]
    }

    /// The key at the start of `bytes` and how many bytes it took; nil when incomplete.
    /// A nil key means bytes that are skipped (an unknown sequence).
    static func decode(_ bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
        guard let first = bytes.first else { return nil }
        switch first {
        case 0x0D, 0x0A: return (.enter, 1)
        case 0x7F, 0x08: return (.backspace, 1)
        case 0x09: return (.tab, 1)
        case 0x1B: return escape(bytes)
        case 0x00..<0x20: return (.control(Character(Unicode.Scalar(first + 0x60))), 1)
        case 0x80..<0xC0: return (nil, 1)  // a stray continuation byte
        default: return utf8(bytes)
        }
    }

    private static func utf8(_ bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
        let first = bytes.first!
        let length = first < 0x80 ? 1 : first < 0xE0 ? 2 : first < 0xF0 ? 3 : 4
        guard bytes.count >= length else { return nil }
        let slice = bytes.prefix(length)
        guard slice.dropFirst().allSatisfy({ (0x80..<0xC0).contains($0) }) else { return (nil, 1) }
        let text = String(decoding: slice, as: UTF8.self)
        guard let character = text.first, !text.unicodeScalars.contains(where: Self.unprintable) else {
            return (nil, length)
        }
        return (.character(character), length)
    }

    /// Replacement characters and what the character policy would not pass through are not typed
    /// into a line.
    private static func unprintable(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\u{FFFD}" || CharacterPolicy.isUnsafe(scalar)
    }

    private static func escape(_ bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
        let start = bytes.startIndex
        guard bytes.count >= 2 else { return nil }
        let second = bytes[start + 1]
        if second == UInt8(ascii: "O") {
            guard bytes.count >= 3 else { return nil }
            return (final(bytes[start + 2], parameters: []), 3)
        }
        guard second == UInt8(ascii: "[") else {
            // Alt+key: ESC b / ESC f move by words, ESC 1…9 switch rooms; anything else is ESC
            // then that key.
            switch second {
            case UInt8(ascii: "b"): return (.wordLeft, 2)
            case UInt8(ascii: "f"): return (.wordRight, 2)
            case UInt8(ascii: "1")...UInt8(ascii: "9"): return (.altDigit(Int(second - UInt8(ascii: "0"))), 2)
            default: return (.escape, 1)
            }
        }
        // CSI: parameters (digits and ;) then one final byte in 0x40...0x7E.
        var index = start + 2
        while index < bytes.endIndex, (0x30...0x3F).contains(bytes[index]) { index += 1 }
        guard index < bytes.endIndex else { return bytes.count > 16 ? (nil, bytes.count) : nil }
        let parameters = String(decoding: bytes[(start + 2)..<index], as: UTF8.self).split(separator: ";")
            .map { Int($0) ?? 0 }
        return (final(bytes[index], parameters: parameters), index - start + 1)
    }

    private static func final(_ byte: UInt8, parameters: [Int]) -> Key? {
        let modified = parameters.count > 1 && parameters[1] != 1
        switch byte {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return modified ? .wordRight : .right
        case UInt8(ascii: "D"): return modified ? .wordLeft : .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch parameters.first {
            case 1, 7: return .home
            case 4, 8: return .end
            case 3: return .delete
            default: return nil
            }
        default: return nil
        }
    }
}

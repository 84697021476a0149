/// What a person at the terminal can ask of a replay.
public enum PlayerCommand: Sendable, Equatable {
    /// Space: pause, or resume.
    case togglePause
    /// `.`: while paused, show the next event.
    case step
    /// →: jump ahead (`InteractivePlayer.skip` of original time, or to the next event).
    case skip
    /// Ctrl+C or `q`: stop.
    case quit
}

/// Turns the bytes a terminal in raw mode sends into commands. Arrow keys arrive as escape
/// sequences (`ESC [ C`, or `ESC O C` in application mode) that may be split across reads, so the
/// decoder keeps an unfinished one; every other byte is ignored.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// The commands `bytes` complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [PlayerCommand] {
        var commands: [PlayerCommand] = []
        for byte in bytes {
            if pending.count == 1 {
                if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O") {
                    pending.append(byte)
                    continue
                }
                pending = []  // a lone Escape: this byte stands for itself
            } else if !pending.isEmpty {
                pending.append(byte)
                // A sequence ends with a byte from @ to ~; parameters come before it.
                guard (0x40...0x7E).contains(byte) || pending.count > 16 else { continue }
                if byte == UInt8(ascii: "C") && pending.count == 3 { commands.append(.skip) }
                pending = []
                continue
            }
            switch byte {
            case 0x1B: pending = [byte]
            case UInt8(ascii: " "): commands.append(.togglePause)
            case UInt8(ascii: "."): commands.append(.step)
            case 0x03, UInt8(ascii: "q"): commands.append(.quit)
            default: break
            }
        }
        return commands
    }
}

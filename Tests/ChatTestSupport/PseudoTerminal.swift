import Foundation

/// A pseudo-terminal pair: the child gets the slave as its terminal, the test types into and
/// reads from the master.
package struct PseudoTerminal {
    package let master: Int32
    package let slave: Int32

    package init(columns: UInt16 = 80, rows: UInt16 = 24) throws {
        // posix_openpt and friends need _XOPEN_SOURCE, which Swift's Glibc module does not set: look them up.
        typealias OpenPT = @convention(c) (Int32) -> Int32
        typealias GrantPT = @convention(c) (Int32) -> Int32
        typealias PTSName = @convention(c) (Int32, UnsafeMutablePointer<CChar>, Int) -> Int32
        let libc = dlopen(nil, RTLD_NOW)
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let pointer = dlsym(libc, name) else { throw WaitFailure(description: "no \(name) in libc") }
            return unsafeBitCast(pointer, to: type)
        }
        let openPT = try symbol("posix_openpt", as: OpenPT.self)
        let grantPT = try symbol("grantpt", as: GrantPT.self)
        let unlockPT = try symbol("unlockpt", as: GrantPT.self)
        let ptsName = try symbol("ptsname_r", as: PTSName.self)
        master = openPT(O_RDWR | O_NOCTTY)
        guard master >= 0, grantPT(master) == 0, unlockPT(master) == 0 else {
            throw WaitFailure(description: "no pseudo-terminal: errno \(errno)")
        }
        var name = [CChar](repeating: 0, count: 128)
        guard ptsName(master, &name, name.count) == 0 else { throw WaitFailure(description: "ptsname failed") }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        slave = open(path, O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw WaitFailure(description: "cannot open \(path)") }
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
    }

    /// Makes the terminal `columns` wide, as a resized window would, and tells `process` (which,
    /// not being in the terminal's foreground process group, gets no SIGWINCH from the kernel).
    package func resize(columns: UInt16, rows: UInt16 = 24, telling process: Process) {
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        kill(process.processIdentifier, SIGWINCH)
    }

    /// Types bytes as the user would.
    package func type(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress!, $0.count) }
    }
}

/// Just enough of a VT100 to know what a person would see: printable text, CR, LF, backspace,
/// and the CSI sequences the client uses (erase line, cursor moves, SGR, clear screen).
package struct ScreenModel {
    package let columns: Int
    package let rows: Int
    package private(set) var grid: [[Character]]
    package private(set) var row = 0
    package private(set) var column = 0
    /// How many cells a character takes (2 for wide ones); the client's own measure in its tests.
    private let width: (Character) -> Int

    package init(columns: Int = 80, rows: Int = 24, width: @escaping (Character) -> Int = { _ in 1 }) {
        self.columns = columns
        self.rows = rows
        self.width = width
        grid = Array(repeating: Array(repeating: " ", count: columns), count: rows)
    }

    /// The cell behind the second half of a wide character.
    static let covered: Character = "\u{0}"

    /// The screen's lines, trailing blanks trimmed.
    package var lines: [String] {
        grid.map {
            String($0.filter { $0 != Self.covered })
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }

    /// The line the cursor is on.
    package var cursorLine: String { lines[row] }

    package mutating func feed(_ text: String) {
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            switch character {
            case "\r": column = 0
            case "\n": lineFeed()
            case "\r\n":
                column = 0
                lineFeed()
            case "\u{8}": column = max(column - 1, 0)
            case "\u{7}": break
            case "\u{1B}":
                guard characters.first == "[" else {
                    _ = characters.popFirst()
                    continue
                }
                characters.removeFirst()
                var parameters = ""
                while let next = characters.first, next.isNumber || next == ";" || next == "?" {
                    parameters.append(next)
                    characters.removeFirst()
                }
                guard let final = characters.popFirst() else { return }
                csi(final, parameters.split(separator: ";").map { Int($0) ?? 0 })
            default:
                if column >= columns {
                    column = 0
                    lineFeed()
                }
                grid[row][column] = character
                // A wide character takes two cells; the second stays blank and is not a space.
                let cells = max(width(character), 1)
                for extra in 1..<cells where column + extra < columns { grid[row][column + extra] = Self.covered }
                column += cells
            }
        }
    }

    private mutating func lineFeed() {
        if row == rows - 1 {
            grid.removeFirst()
            grid.append(Array(repeating: " ", count: columns))
        } else {
            row += 1
        }
    }

    private mutating func csi(_ final: Character, _ parameters: [Int]) {
        let count = max(parameters.first ?? 1, 1)
        switch final {
        case "K":
            let range: Range<Int> =
                switch parameters.first ?? 0 {
                case 1: 0..<min(column + 1, columns)
                case 2: 0..<columns
                default: min(column, columns)..<columns
                }
            for index in range { grid[row][index] = " " }
        case "A": row = max(row - count, 0)
        case "C": column = min(column + count, columns - 1)
        case "D": column = max(column - count, 0)
        case "G": column = min(count - 1, columns - 1)
        case "H":
            row = min(max((parameters.first ?? 1) - 1, 0), rows - 1)
            column = min(max((parameters.count > 1 ? parameters[1] : 1) - 1, 0), columns - 1)
        case "J":
            if parameters.first == 2 {
                grid = Array(repeating: Array(repeating: " ", count: columns), count: rows)
            } else if (parameters.first ?? 0) == 0 {
                for index in min(column, columns)..<columns { grid[row][index] = " " }
                for below in (row + 1)..<rows { grid[below] = Array(repeating: " ", count: columns) }
            }
        default: break  // SGR and anything else do not move text
        }
    }
}

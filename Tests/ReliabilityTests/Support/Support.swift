import Foundation

/// Sizes: the quick ones run in every `swift test`; `RELIABILITY_FULL=1` runs the sizes of the
/// issue (scripts/reliability/run). Each can be overridden by its own environment variable.
enum Scale {
    static let environment = ProcessInfo.processInfo.environment
    static let full = environment["RELIABILITY_FULL"] == "1"

    static func pick(_ variable: String, quick: Int, full: Int) -> Int {
        if let text = environment[variable], let value = Int(text) { return value }
        return Scale.full ? full : quick
    }
}

/// Prints one figure line (`FIGURE scenario: ...`) and appends it to `$RELIABILITY_FIGURES` if set.
func figure(_ scenario: String, _ text: String) {
    let line = "FIGURE \(scenario): \(text)\n"
    FileHandle.standardOutput.write(Data(line.utf8))
    if let path = Scale.environment["RELIABILITY_FIGURES"] {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        }
    }
}

/// A small seeded generator (SplitMix64), so a hostile run can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import ChatServer
import ChatStore
import Foundation
import Logging

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "chatroom-rel-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: made!)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

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
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        }
    }
}

/// Runs a real server in this process on 127.0.0.1, port 0, for the duration of `body`, then
/// shuts it down gracefully and waits until the session is closed.
func withServer<T: Sendable>(
    database: String, _ configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (ChatServer) async throws -> T
) async throws -> T {
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, databasePath: database)
    configuration.nameTimeoutSeconds = 5
    configure(&configuration)
    var logger = Logger(label: "test-server")
    logger.logLevel = .critical
    let server = try await ChatServer(configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await server.run()
            return nil
        }
        let result: T
        do {
            result = try await body(server)
        } catch {
            server.beginShutdown()
            try await group.waitForAll()
            throw error
        }
        server.beginShutdown()
        try await group.waitForAll()
        return result
    }
}

/// Waits for `condition` to hold, checking every few milliseconds, for at most `seconds`.
func eventually(within seconds: Double = 10, _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !(try await condition()) {
        guard Date() < deadline else { throw WaitFailure(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
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

import ChatTestSupport
import Foundation

/// The built `chat-replay` next to the test bundle.
func chatReplayBinary() throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<5 {
        let candidate = directory.appendingPathComponent("chat-replay")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory.deleteLastPathComponent()
    }
    throw WaitFailure(description: "chat-replay binary not found near \(CommandLine.arguments[0])")
}

struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `chat-replay` with `arguments` in `directory`, waiting at most `seconds`.
func runCLI(_ arguments: [String], in directory: String, seconds: Double = 60) async throws -> CLIResult {
    let process = Process()
    process.executableURL = try chatReplayBinary()
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let out = directory + "/.stdout-\(UUID().uuidString)"
    let err = directory + "/.stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: err)
    }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            throw WaitFailure(description: "chat-replay \(arguments) did not finish within \(seconds) s")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    return CLIResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
}

/// `chat-replay replay --instant --verify` of `original` against the server on `port`, twice:
/// compared with the target's record (`--target-database target`), then as the observer saw it.
func reenactAndVerifyBothWays(
    _ original: String, port: Int, target: String, in directory: String
) async throws -> (byDatabase: CLIResult, byObserver: CLIResult) {
    let replay = ["replay", "--database", original, "--to", "127.0.0.1:\(port)", "--instant", "--verify"]
    let byDatabase = try await runCLI(replay + ["--target-database", target], in: directory)
    let byObserver = try await runCLI(replay, in: directory)
    return (byDatabase, byObserver)
}

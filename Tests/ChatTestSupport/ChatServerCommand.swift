import Foundation

/// Runs the built `chat-server ARGUMENTS` with `input` on stdin (a pipe, not a terminal) and, when
/// `lowCost`, the test-only low scrypt cost; at most 30 s.
package func runChatServer(
    _ arguments: [String], input: String = "", lowCost: Bool = true
) async throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = ServerProcess.executable
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    if lowCost { environment["CHATROOM_TEST_SCRYPT_LOGN"] = "8" }
    process.environment = environment
    let stdin = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = stdin
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(30)
    while process.isRunning {
        guard Date() < deadline else {
            kill(process.processIdentifier, SIGKILL)
            throw WaitFailure(description: "chat-server \(arguments) did not finish within 30 s")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (process.terminationStatus, out, err)
}

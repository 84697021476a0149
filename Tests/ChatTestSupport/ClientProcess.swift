import Foundation

/// The built `chat-client` next to the test bundle.
package func chatClientBinary() throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<5 {
        let candidate = directory.appendingPathComponent("chat-client")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory.deleteLastPathComponent()
    }
    throw WaitFailure(description: "chat-client binary not found near \(CommandLine.arguments[0])")
}

/// `chat-client` as a process with piped standard input, output and error.
package final class ClientProcess: @unchecked Sendable {
    package let process = Process()
    package let input = Pipe()
    package let output: ByteCollector
    package let errors: ByteCollector

    package init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = try chatClientBinary()
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        output = ByteCollector(descriptor: out.fileHandleForReading.fileDescriptor)
        errors = ByteCollector(descriptor: err.fileHandleForReading.fileDescriptor)
    }

    package func type(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    package func closeInput() throws {
        try input.fileHandleForWriting.close()
    }

    /// Waits for the exit (bounded) and returns the status.
    package func exitStatus(within seconds: Double = 15) async throws -> Int32 {
        try await eventually(within: seconds, "chat-client to exit; output: \(output.text.suffix(400))") {
            !process.isRunning
        }
        try await eventually(within: 5, "chat-client's output to close") { output.finished && errors.finished }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

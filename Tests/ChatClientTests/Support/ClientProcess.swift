import ChatTestSupport
import Foundation
import NIOConcurrencyHelpers

/// The built `chat-client` next to the test bundle.
func chatClientBinary() throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<5 {
        let candidate = directory.appendingPathComponent("chat-client")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory.deleteLastPathComponent()
    }
    throw WaitFailure(description: "chat-client binary not found near \(CommandLine.arguments[0])")
}

/// Bytes read from a descriptor on a thread of their own, until end of file.
final class ByteCollector: Sendable {
    private let bytes = NIOLockedValueBox<[UInt8]>([])
    private let done = NIOLockedValueBox(false)

    init(descriptor: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
                if count > 0 {
                    bytes.withLockedValue { $0.append(contentsOf: buffer[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            done.withLockedValue { $0 = true }
        }
        thread.start()
    }

    var data: [UInt8] { bytes.withLockedValue { $0 } }
    var text: String { String(decoding: data, as: UTF8.self) }
    var finished: Bool { done.withLockedValue { $0 } }

    /// Waits until the text satisfies `condition`.
    func waitFor(within seconds: Double = 15, _ what: String, _ condition: (String) -> Bool) async throws {
        try await eventually(within: seconds, "\(what); output so far: \(text.suffix(600).debugDescription)") {
            condition(text)
        }
    }
}

/// `chat-client` as a process with piped standard input, output and error.
final class ClientProcess: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let output: ByteCollector
    let errors: ByteCollector

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
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

    func type(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    func closeInput() throws {
        try input.fileHandleForWriting.close()
    }

    /// Waits for the exit (bounded) and returns the status.
    func exitStatus(within seconds: Double = 15) async throws -> Int32 {
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

import Foundation

/// The built `chat-server` executable, run as a real process.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let errors = Pipe()

    /// The directory of the built products (next to the test bundle).
    static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// Starts `chat-server --port 0` on `database` and waits (at most 20 s) for `listening on`.
    init(database: String, arguments: [String] = []) throws {
        process.executableURL = Self.productsDirectory.appendingPathComponent("chat-server")
        process.arguments = ["--host", "127.0.0.1", "--port", "0", "--database", database] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let reading = output.fileHandleForReading
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("\n") {
            guard Date() < deadline, process.isRunning || !text.isEmpty else {
                throw WaitFailure(description: "chat-server did not start: \(text)")
            }
            let data = reading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("listening on "),
            let port = line.split(separator: ":").last.flatMap({ Int($0) })
        else {
            throw WaitFailure(description: "unexpected first line from chat-server: \(text)")
        }
        self.port = port
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends `signal` and waits at most `seconds` for the exit; returns the exit status.
    func stop(_ signal: Int32 = SIGTERM, within seconds: Double = 10) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw WaitFailure(description: "chat-server did not stop within \(seconds) s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

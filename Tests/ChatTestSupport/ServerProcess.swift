import Foundation

/// The built `chat-server` executable, run as a real process, its log in a file.
package final class ServerProcess: @unchecked Sendable {
    package let process = Process()
    package let port: Int
    /// The TLS port, when started with `--tls-port` (its second line, `listening for TLS on`).
    package let tlsPort: Int?
    /// The IRC port, when started with `--irc-port` (its line `irc on`).
    package let ircPort: Int?
    /// Where the server's stderr (its log) goes.
    package let logPath: String

    /// The directory of the built products (next to the test bundle).
    package static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    package static var executable: URL { productsDirectory.appendingPathComponent("chat-server") }

    /// Starts `chat-server --port 0` on `database` and waits (at most 20 s) for `listening on`;
    /// `openFiles` runs it with that limit on open file descriptors (`ulimit -n`, through `sh`,
    /// which then becomes the server: same pid). The log goes next to `logNextTo` (by default
    /// the database file; a PostgreSQL address is no file).
    package init(database: String, arguments: [String] = [], openFiles: Int? = nil, logNextTo: String? = nil) throws {
        logPath = (logNextTo ?? database) + ".\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let serverArguments = ["--host", "127.0.0.1", "--port", "0", "--database", database] + arguments
        if let openFiles {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", Self.executable.path] + serverArguments
        } else {
            process.executableURL = Self.executable
            process.arguments = serverArguments
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        let reading = output.fileHandleForReading
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        var expected = ["listening on "]
        if arguments.contains("--tls-port") { expected.append("listening for TLS on ") }
        if arguments.contains("--irc-port") { expected.append("irc on ") }
        func number(after prefix: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix(prefix) }?.split(separator: ":").last.flatMap { Int($0) }
        }
        while expected.contains(where: { number(after: $0) == nil }) {
            guard Date() < deadline else { throw WaitFailure(description: "chat-server did not start: \(text)") }
            let data = reading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("listening on "),
            let port = line.split(separator: ":").last.flatMap({ Int($0) })
        else {
            throw WaitFailure(
                description: "unexpected first line from chat-server: \(text); log: \(Self.read(logPath))")
        }
        self.port = port
        tlsPort = number(after: "listening for TLS on ")
        ircPort = number(after: "irc on ")
    }

    package var pid: Int32 { process.processIdentifier }

    /// CPU time the process has used so far (user and system), in seconds, from `/proc/PID/stat`.
    package var cpuSeconds: Double {
        let text = Self.read("/proc/\(pid)/stat")
        // Fields after the command name (which is in parentheses and may hold spaces).
        guard let end = text.lastIndex(of: ")") else { return -1 }
        let fields = text[text.index(after: end)...].split(separator: " ")
        // utime and stime are fields 14 and 15 of the line; 12 and 13 after the name.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return -1 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
    package var isRunning: Bool { process.isRunning }

    /// What the server logged so far.
    package var log: String { Self.read(logPath) }

    private static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Resident memory now, in KiB (`VmRSS`).
    package var residentKiB: Int { statusField("VmRSS") }
    /// Peak resident memory, in KiB (`VmHWM`).
    package var peakResidentKiB: Int { statusField("VmHWM") }

    /// Open file descriptors now (entries of `/proc/PID/fd`).
    package var openFiles: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Open sockets now (the listener, and one per connection).
    package var openSockets: Int {
        let directory = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter {
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + $0)) ?? "").hasPrefix(
                "socket:")
        }.count
    }

    private func statusField(_ name: String) -> Int {
        let text = Self.read("/proc/\(pid)/status")
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        }
        return -1
    }

    package func kill9() {
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends `signal` and waits at most `seconds` for the exit; returns the exit status.
    package func stop(_ signal: Int32 = SIGTERM, within seconds: Double = 10) async throws -> Int32 {
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else {
                kill(pid, SIGKILL)
                throw WaitFailure(description: "chat-server did not stop within \(seconds) s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Under `swift test --sanitize=thread` the server is instrumented too: its reports count.
        if log.contains("WARNING: ThreadSanitizer") {
            throw WaitFailure(description: "ThreadSanitizer report in chat-server's log: \(log.suffix(4000))")
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL) }
    }
}

/// Runs a command to its end, for at most `seconds`; returns its status, stdout and stderr.
package func runProcess(
    _ executable: String, _ arguments: [String], within seconds: Double = 20
) async throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning {
        guard Date() < deadline else {
            kill(process.processIdentifier, SIGKILL)
            throw WaitFailure(description: "\(executable) \(arguments) did not finish within \(seconds) s")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (process.terminationStatus, out, err)
}

/// Where `name` is found on PATH.
package func findExecutable(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

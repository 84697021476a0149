import ChatTestSupport
import Foundation

@testable import ChatClient

/// Starts `chat-client` with the slave side of `terminal` as its terminal (TERM xterm, colours on).
func launchClient(_ arguments: [String], terminal: PseudoTerminal, environment: [String: String] = [:]) throws
    -> Process
{
    let process = Process()
    process.executableURL = try chatClientBinary()
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["TERM"] = "xterm-256color"
    env.removeValue(forKey: "NO_COLOR")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let handle = FileHandle(fileDescriptor: terminal.slave, closeOnDealloc: false)
    process.standardInput = handle
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    close(terminal.slave)
    return process
}

extension ByteCollector {
    /// What a person would see after everything written so far.
    func screen(columns: Int = 80, rows: Int = 24) -> ScreenModel {
        var model = ScreenModel(columns: columns, rows: rows, width: InputLine.width(of:))
        model.feed(text)
        return model
    }
}

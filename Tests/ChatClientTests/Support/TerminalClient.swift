import ChatTestSupport
import Foundation

/// `chat-client` running in a pseudo-terminal, with what it drew; killed when dropped.
final class TerminalClient {
    let terminal: PseudoTerminal
    let columns: Int
    let process: Process
    let output: ByteCollector

    init(_ arguments: [String], columns: UInt16 = 80) throws {
        terminal = try PseudoTerminal(columns: columns)
        self.columns = Int(columns)
        process = try launchClient(arguments, terminal: terminal)
        output = ByteCollector(descriptor: terminal.master)
    }

    /// What a person would see now.
    var screen: ScreenModel { output.screen(columns: columns) }

    func type(_ text: String) { terminal.type(text) }

    /// Waits until the screen satisfies `condition`.
    func waitForScreen(_ what: String, _ condition: @escaping (ScreenModel) -> Bool) async throws {
        try await eventually(within: 15, "\(what); screen: \(screen.lines)") { condition(screen) }
    }

    /// Waits until a line on the screen ends with `text`.
    func waitForLine(endingWith text: String) async throws {
        try await waitForScreen("a line ending with \(text.debugDescription)") {
            $0.lines.contains { $0.hasSuffix(text) }
        }
    }

    /// Waits for the exit and returns the status.
    func exitStatus() async throws -> Int32 {
        try await eventually(within: 15, "the exit; screen: \(screen.lines)") { !process.isRunning }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

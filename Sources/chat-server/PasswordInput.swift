import ChatCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a new password: from the terminal without echo (asked twice), or one line from stdin.
enum PasswordInput {
    /// The shortest password accepted, in characters.
    static let minimumLength = 8

    /// The environment variable that lowers the scrypt cost, for tests only: a log2 of N from 1 to
    /// 14. Never set it for a real server: every hash made meanwhile is weak (and is rehashed at
    /// the standard cost at its next login).
    static let testCostVariable = "CHATROOM_TEST_SCRYPT_LOGN"

    /// `PasswordHasher.standard`, or the test-only cost of `CHATROOM_TEST_SCRYPT_LOGN`.
    static var hasher: PasswordHasher {
        if let text = ProcessInfo.processInfo.environment[testCostVariable], let logN = Int(text),
            (1..<PasswordHasher.standard.logN).contains(logN)
        {
            return PasswordHasher(logN: logN, r: PasswordHasher.standard.r, p: PasswordHasher.standard.p)
        }
        return .standard
    }

    /// The password for `name`: one line of stdin with `fromStdin` or when stdin is not a terminal,
    /// else typed on the terminal without echo (twice when `confirm`, and both must match).
    static func read(for name: String, fromStdin: Bool, confirm: Bool) throws -> String {
        let password: String
        if fromStdin || isatty(STDIN_FILENO) == 0 {
            guard let line = readLine(strippingNewline: true) else {
                throw CommandFailure("no password on stdin (give it as one line)")
            }
            password = line.hasSuffix("\r") ? String(line.dropLast()) : line
        } else {
            password = try typed(prompt: "Password for \(name): ")
            try check(password)
            if confirm, try typed(prompt: "Again: ") != password {
                throw CommandFailure("the passwords do not match")
            }
        }
        try check(password)
        return password
    }

    private static func check(_ password: String) throws {
        guard password.count >= minimumLength else {
            throw CommandFailure("the password is too short: at least \(minimumLength) characters")
        }
    }

    /// One line typed on the terminal (stdin) with echo off; the prompt goes to stderr.
    private static func typed(prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw CommandFailure("cannot read the terminal's settings: \(String(cString: strerror(errno)))")
        }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ICANON)
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 else {
            throw CommandFailure("cannot turn the terminal's echo off: \(String(cString: strerror(errno)))")
        }
        // Ctrl+C while echo is off must not leave the terminal silent.
        signal(SIGINT) { _ in
            var restore = PasswordInput.savedTerminal
            _ = tcsetattr(STDIN_FILENO, TCSANOW, &restore)
            _ = write(STDERR_FILENO, "\n", 1)
            _exit(130)
        }
        savedTerminal = saved
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            signal(SIGINT, SIG_DFL)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw CommandFailure("no password was typed") }
        return line
    }

    /// The terminal's settings while echo is off, for the SIGINT handler.
    nonisolated(unsafe) private static var savedTerminal = termios()
}

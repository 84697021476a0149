import ChatProtocol
import Foundation
import NIOSSL

/// A raw IRC client over TCP, as a test needs one: it sends lines with `\r\n`, reads them parsed
/// (`IRCMessage`), and registers with a nick and capabilities. Every wait has a deadline.
package struct IRCTestClient: Sendable {
    package let lines: TestClient

    /// Connects (inside TLS with `tls`).
    package static func connect(port: Int, tls: NIOSSLContext? = nil) async throws -> IRCTestClient {
        IRCTestClient(lines: try await TestClient.connect(port: port, tls: tls))
    }

    /// Connects and registers as `nick`, asking for `capabilities` first; returns after the end of
    /// the welcome (the MOTD's end, or `422`).
    package static func register(
        port: Int, as nick: String, capabilities: [String] = [], password: String? = nil, tls: NIOSSLContext? = nil
    ) async throws -> IRCTestClient {
        let client = try await connect(port: port, tls: tls)
        if !capabilities.isEmpty {
            try await client.send("CAP LS 302")
            try await client.send("CAP REQ :" + capabilities.joined(separator: " "))
            try await client.expect { $0.command == "CAP" && $0.parameters.dropFirst().first == "ACK" }
        }
        if let password { try await client.send("PASS \(password)") }
        try await client.send("NICK \(nick)")
        try await client.send("USER \(nick) 0 * :\(nick) the tester")
        if !capabilities.isEmpty { try await client.send("CAP END") }
        try await client.expect { $0.command == "376" || $0.command == "422" }
        return client
    }

    /// Sends `line` and `\r\n`.
    package func send(_ line: String) async throws {
        try await lines.send(bytes: Array(line.utf8) + [13, 10])
    }

    /// The next message, nil when the server closed the connection.
    package func next(within seconds: Double = 10) async throws -> IRCMessage? {
        guard let line = try await lines.next(within: seconds) else { return nil }
        let text = line.hasSuffix("\r") ? String(line.dropLast()) : line
        return try IRCMessage(parsing: Substring(text))
    }

    /// Reads messages until one matches; throws with what was seen if none does in time.
    @discardableResult
    package func expect(within seconds: Double = 10, _ matches: (IRCMessage) -> Bool) async throws -> IRCMessage {
        let deadline = Date().addingTimeInterval(seconds)
        var seen: [String] = []
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, let message = try await next(within: left) else {
                throw WaitFailure(description: "no matching IRC line; saw: \(seen.suffix(20))")
            }
            if matches(message) { return message }
            seen.append(message.line)
        }
    }

    /// Reads messages up to and including the first that matches `end`; returns them all.
    package func collect(within seconds: Double = 10, until end: (IRCMessage) -> Bool) async throws -> [IRCMessage] {
        var collected: [IRCMessage] = []
        try await expect(within: seconds) { message in
            collected.append(message)
            return end(message)
        }
        return collected
    }

    /// Reads until the server closes the connection; returns the messages read meanwhile.
    @discardableResult
    package func expectClosed(within seconds: Double = 10) async throws -> [IRCMessage] {
        try await lines.expectClosed(within: seconds).map {
            try IRCMessage(parsing: Substring($0.hasSuffix("\r") ? String($0.dropLast()) : $0))
        }
    }

    package func close() async { await lines.close() }
}

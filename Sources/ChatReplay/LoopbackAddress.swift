/// A `HOST:PORT` on this machine: `127.0.0.1:7000`, `localhost:7000`, `[::1]:7000`. Replay never
/// sends anything to another machine.
public struct LoopbackAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(ReplayError) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ReplayError("--to \(text): expected HOST:PORT") }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ReplayError("--to \(text): expected HOST:PORT") }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw ReplayError("--to \(text): \(port) is not a port number")
        }
        guard Self.isLoopback(String(host)) else {
            throw ReplayError("--to \(text): only loopback addresses (127.0.0.0/8, ::1, localhost) may be a target")
        }
        self.host = host == "localhost" ? "127.0.0.1" : String(host)
        self.port = number
    }

    /// True for `localhost`, `::1` and 127.0.0.0/8.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in UInt8(part) != nil }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

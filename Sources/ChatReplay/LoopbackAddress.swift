import ChatProtocol

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
        guard let address = ServerAddress(text) else {
            throw ReplayError("--to \(text): expected HOST:PORT, such as 127.0.0.1:7070")
        }
        guard Self.isLoopback(address.host) else {
            throw ReplayError("--to \(text): only loopback addresses (127.0.0.0/8, ::1, localhost) may be a target")
        }
        self.host = address.host == "localhost" ? "127.0.0.1" : address.host
        self.port = address.port
    }

    /// True for `localhost`, `::1` and 127.0.0.0/8.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in UInt8(part) != nil }
    }

    public var description: String { ServerAddress(host: host, port: port).description }
}

import NIOHTTP1

/// Which web pages may open a WebSocket to the chat: a browser names the page's origin, and
/// another site's page (which could act in its visitor's name) is refused.
struct OriginPolicy: Sendable {
    /// Origins allowed besides the server's own (`--allow-origin`), as `scheme://host[:port]`.
    let allowed: Set<String>

    init(allowed: [String]) {
        self.allowed = Set(allowed.map { Self.normalized($0) })
    }

    /// Whether a request with these `Origin` and `Host` headers may chat: no `Origin` (not a
    /// browser), the server's own origin (`Origin`'s host and port are `Host`), or an allowed one.
    func allows(origin: String?, host: String?) -> Bool {
        guard let origin else { return true }
        let normalized = Self.normalized(origin)
        if allowed.contains(normalized) { return true }
        guard let host = host?.lowercased(), !host.isEmpty else { return false }
        return normalized == "http://\(host)" || normalized == "https://\(host)"
    }

    /// Whether `request`'s `Origin` and `Host` headers may chat (see `allows(origin:host:)`).
    func allows(_ request: HTTPRequestHead) -> Bool {
        allows(origin: request.headers.first(name: "origin"), host: request.headers.first(name: "host"))
    }

    private static func normalized(_ origin: String) -> String {
        var origin = origin.lowercased()
        while origin.hasSuffix("/") { origin.removeLast() }
        return origin
    }
}

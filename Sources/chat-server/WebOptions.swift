import ArgumentParser
import ChatServer

/// `--http-port`, `--no-web`, `--allow-origin`: the web window (a page and its WebSocket).
struct WebOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Port of the web window: open http://HOST:PORT/ in a browser (0 picks a free one).",
            discussion: "Default: --port + 10 (\(ServerConfiguration.defaultHTTPPort)), a free one when --port is 0."))
    var httpPort: Int?

    @Flag(help: "Serve no web window.")
    var noWeb = false

    @Option(
        help: ArgumentHelp(
            "Another site whose pages may chat here, as scheme://host:port (repeatable); the server's own page always may.",
            valueName: "origin"))
    var allowOrigin: [String] = []

    func validate(chatPort: Int) throws {
        if !noWeb, httpPort == nil, ServerConfiguration.defaultHTTPPort(forChatPort: chatPort) == nil {
            throw ValidationError("--port \(chatPort): give the web window a port with --http-port, or --no-web")
        }
        if let httpPort, !(0...65535).contains(httpPort) {
            throw ValidationError("--http-port must be 0 to 65535")
        }
        if noWeb, httpPort != nil { throw ValidationError("--no-web and --http-port do not go together") }
        for origin in allowOrigin where !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) {
            throw ValidationError("--allow-origin \(origin): write it as http://host:port or https://host:port")
        }
    }

    /// The web window's port, for a server whose chat port is `chatPort` (see
    /// `ServerConfiguration.defaultHTTPPort(forChatPort:)`).
    func port(chatPort: Int) -> Int? {
        guard !noWeb else { return nil }
        return httpPort ?? ServerConfiguration.defaultHTTPPort(forChatPort: chatPort)
    }
}

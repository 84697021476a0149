import ArgumentParser
import ChatClient
import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import Foundation
import Logging

/// `chat-client`: the command line over the interactive and pipe clients.
public struct ClientCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chat-client",
        abstract: "Chat in a chatroom from the terminal.",
        discussion: """
            In a terminal: type and press Enter; incoming messages appear above what you type. \
            /join ROOM enters another room (the prompt names the current one; Alt+1…9 switch), \
            /msg NAME TEXT is private; /help lists commands, Ctrl+C or /quit leaves. With a pipe (stdin or stdout not a terminal) \
            each input line is a message and each event one plain line. If the server goes away, the \
            client reconnects and shows what it missed, once.

            Examples:
              chat-client --name alice
              chat-client --host 192.168.1.20 --port 7070
              chat-client --serve --name alice
              chat-client --tls --tls-ca ca.pem --port 7443
              chat-client --port 7070 --other-node 127.0.0.1:7071
            """,
        version: chatroomVersion)

    @Option(help: "Server address.")
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "Server port (with --serve: the port to listen on; 0 picks a free one).")
    var port = chatroomDefaultPort

    @Option(
        name: .customLong("other-node"),
        help: """
            HOST:PORT of another node of the same chat (chat-server nodes on one PostgreSQL \
            database); repeat for more. When a connection is lost, or cannot be made, the client \
            tries the next address in turn and resumes there.
            """)
    var otherNodes: [String] = []

    @Option(help: "Your name; without it you are asked (in a pipe: the first input line).")
    var name: String?

    @Option(parsing: .unconditional, help: "Seconds to wait for the connection.")
    var connectTimeout = 2.0

    @Option(help: "Seconds the server may take to welcome the client once connected.")
    var welcomeTimeout = 10.0

    @Flag(
        help: """
            Read the password of a registered name from the first line of standard input (after the \
            name's line without --name); it is sent only if the server asks for it. In a terminal the \
            client asks for it without echo instead.
            """)
    var passwordStdin = false

    @Flag(help: "Only receive, as a watcher (not in the member list): print the room, send nothing.")
    var listen = false

    @Flag(help: "In a pipe: live lines start with their local date and time (off by default).")
    var timestamps = false

    @Flag(help: "When the server goes away, stop instead of reconnecting.")
    var noReconnect = false

    @Flag(help: "No colours (also when NO_COLOR is set).")
    var noColor = false

    @Flag(help: "Host the room: start a server in this process and join it.")
    var serve = false

    @Option(help: "With --serve: the SQLite database file.")
    var database: String?

    @Option(
        parsing: .unconditional,
        help: "With --serve: the web window's port (default: --port + 10, a free one with --port 0).")
    var httpPort: Int?

    @Flag(help: "With --serve: serve no web window.")
    var noWeb = false

    @Flag(help: "Connect with TLS, verifying the server's certificate against the system's roots.")
    var tls = false

    @Option(help: "Connect with TLS, trusting the CA certificates of this PEM file (implies --tls).")
    var tlsCa: String?

    public init() {}

    public func validate() throws {
        guard (serve ? 0 : 1)...65535 ~= port else {
            throw ValidationError("--port must be 1 to 65535 (0 with --serve)")
        }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
        guard welcomeTimeout > 0 else { throw ValidationError("--welcome-timeout must be positive") }
        guard database == nil || serve else { throw ValidationError("--database goes with --serve") }
        guard otherNodes.isEmpty || !serve else {
            throw ValidationError("--other-node is for connecting, not with --serve")
        }
        for node in otherNodes where ServerAddress(node) == nil {
            throw ValidationError("--other-node \(node): expected HOST:PORT, such as 127.0.0.1:7071")
        }
        guard (httpPort == nil && !noWeb) || serve else {
            throw ValidationError("--http-port and --no-web go with --serve")
        }
        if serve, !noWeb, httpPort == nil, ServerConfiguration.defaultHTTPPort(forChatPort: port) == nil {
            throw ValidationError("--port \(port): give the web window a port with --http-port, or --no-web")
        }
        if let httpPort, !(0...65535).contains(httpPort) {
            throw ValidationError("--http-port must be 0 to 65535")
        }
        guard !serve || !(tls || tlsCa != nil) else {
            throw ValidationError("--serve hosts a plain room: --tls and --tls-ca are for connecting to a TLS port")
        }
    }

    public func run() async throws {
        let interactive = !listen && Terminal.isTerminal(STDIN_FILENO) && Terminal.isTerminal(STDOUT_FILENO)
        let noColorSet = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let color = !noColor && !noColorSet
        var options = ClientOptions(host: host, port: port, name: name.map(NameRules.normalize) ?? "")
        options.connectTimeout = connectTimeout
        options.welcomeTimeout = welcomeTimeout
        options.reconnect = !noReconnect
        options.otherNodes = otherNodes.compactMap(ServerAddress.init)
        if tls || tlsCa != nil {
            do {
                options.tls = try ClientTLS(caFile: tlsCa)
            } catch {
                FileHandle.standardError.write(Data("chat-client: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        var intro: [ClientOutput] = []
        var hosting: Hosting?
        if serve {
            let path = database ?? EventStore.defaultPath
            do {
                let web = noWeb ? nil : httpPort ?? ServerConfiguration.defaultHTTPPort(forChatPort: port)
                let hosted = try await Hosting(
                    host: host, port: port, database: path, httpPort: web,
                    logLevel: interactive ? .critical : .warning)
                hosting = hosted
                options.host = hosted.clientHost
                options.port = hosted.server.port
                intro.append(.info("hosting on \(hosted.server.host):\(hosted.server.port), recording to \(path)"))
                if let url = hosted.server.webURL { intro.append(.info("web window on \(url)")) }
            } catch {
                FileHandle.standardError.write(Data("chat-client: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        let status: Int32
        if interactive {
            status = await InteractiveClient(options: options, color: color, intro: intro).run()
        } else {
            let styled = listen && Terminal.isTerminal(STDOUT_FILENO)
            let formatter = OutputFormatter(styled: styled, color: color, timestamps: timestamps)
            if listen && Terminal.isTerminal(STDIN_FILENO) { _ = Terminal.disableEcho() }
            defer { Terminal.restore() }
            status = await PipeClient(
                options: options, listen: listen, formatter: formatter, intro: intro, passwordFromStdin: passwordStdin
            ).run()
        }
        if let hosting { await hosting.close() }
        if status != 0 { throw ExitCode(status) }
    }
}

import ArgumentParser
import ChatCore
import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// `chat-server serve` (the default subcommand: plain `chat-server`): the command line over `ChatServer`.
public struct ServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the chat server (the default: `chat-server` alone runs it).",
        discussion: """
            People chat with `nc HOST PORT` (plain text lines), with chat-client, or in a browser at \
            http://HOST:7080/ (the web window: --port + 10). Every message, \
            join and leave is stored before anyone sees it. Ctrl+C or SIGTERM tells everyone and stops. \
            chat-replay reads the database (sessions, exports, replay) while the server runs.

            Examples:
              chat-server
              chat-server --host 0.0.0.0 --port 7070 --database class.sqlite
              chat-server --database postgres://chat@127.0.0.1:5432/chat
              chat-server --tls-port 7443 --tls-cert server.pem --tls-key server.key
              chat-server --metrics-port 9090
            """,
        version: chatroomVersion)

    @Option(help: "Address to listen on; 0.0.0.0 for a LAN.")
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "TCP port; 0 picks a free one.")
    var port = ServerConfiguration.defaultPort

    @Option(
        name: [.customLong("database"), .customLong("db")],
        help: ArgumentHelp(
            "SQLite database file, created on first start; or postgres://USER[:PASSWORD]@HOST[:PORT]/DB.",
            discussion: "PostgreSQL lets several chat-server nodes share one record (docs/SCALING.md)."))
    var database = EventStore.defaultPath

    @Option(parsing: .unconditional, help: "Events of history a newcomer gets; 0 turns it off.")
    var history = 50

    @Option(parsing: .unconditional, help: "Connections allowed at once.")
    var maxClients = 1000

    @Option(
        parsing: .unconditional,
        help: "Connections one address may have at once (loopback is exempt unless --limit-loopback).")
    var maxClientsPerAddress = 20

    @Flag(help: "Apply --max-clients-per-address to loopback clients too (127.0.0.0/8, ::1).")
    var limitLoopback = false

    @Option(
        parsing: .unconditional,
        help: "Connections that have not given a name yet, at once (default: a quarter of --max-clients, at least 16).")
    var maxUnjoined: Int?

    @Option(
        name: [.customLong("max-message-bytes"), .customLong("max-line-bytes")], parsing: .unconditional,
        help:
            "Longest message text a client may send, in UTF-8 bytes, whatever its door (--max-line-bytes: the old name)."
    )
    var maxMessageBytes = MessageLimit.defaultBytes

    @Option(
        parsing: .unconditional, help: "Bytes that may wait for one slow client before it is disconnected as too slow.")
    var maxQueueBytes = 1 << 20

    @Option(parsing: .unconditional, help: "Messages a second one client may send, sustained (0 = no limit).")
    var rate = 50.0

    @Option(parsing: .unconditional, help: "Messages one client may send in a burst.")
    var burst = 1000

    @Option(
        parsing: .unconditional,
        help:
            "Seconds from connecting a newcomer has to give a name: then one that sent nothing gets a default name, one that sent only refused names or junk is closed."
    )
    var nameTimeout = 30.0

    @Option(
        parsing: .unconditional,
        help: "Seconds a client may stay over --max-queue-bytes without draining before it is disconnected as too slow."
    )
    var stallTimeout = ServerConfiguration.defaultStallSeconds

    @Option(help: "normal: a commit survives a server crash; full: also a power cut (slower).")
    var durability = EventStore.Durability.normal

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Fault drills only: cap the database at this many pages, so writes fail as on a full disk.",
            visibility: .hidden))
    var maxPages: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "PostgreSQL: seconds between this node's heartbeats (and its reaps of dead nodes).",
            visibility: .hidden))
    var presenceHeartbeat = 2.0

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "PostgreSQL: seconds without a heartbeat after which another node reaps a node (at least two heartbeats).",
            visibility: .hidden))
    var presenceDeadAfter = 10.0

    @Flag(
        help: ArgumentHelp(
            "Drills only: leave the search index behind (the next start without it catches up).",
            visibility: .hidden))
    var noSearchIndex = false

    @Option(
        parsing: .unconditional,
        help: "Event-loop threads for the connections (default: one per core but one, left to the store's writer).")
    var threads: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = LogLevel.info

    @Option(help: "The room every newcomer starts in.")
    var defaultRoom = Room.defaultName

    @Option(parsing: .unconditional, help: "Rooms the server may have, those of the record included.")
    var maxRooms = 1000

    @Option(parsing: .unconditional, help: "Rooms one member may be in at once.")
    var maxRoomsPerMember = 20

    @Flag(help: "Stop (cleanly, the session closed) once the last member has left.")
    var exitWhenEmpty = false

    @Option(help: "Who may register a name in chat: closed (chat-server account add only), invite or open.")
    var registration = Registration.closed

    @Flag(help: "Admit registered names only: guests are refused.")
    var requireAccount = false

    @Flag(help: "Take passwords over connections that are neither TLS nor loopback (they travel in clear).")
    var allowPlaintextPasswords = false

    @Option(
        parsing: .unconditional,
        help: "Seconds before a JSON client that neither sends nor answers a ping is closed (0: never).")
    var idleTimeout = 300.0

    @OptionGroup(title: "TLS") var tls: TLSOptions

    @OptionGroup(title: "Web window") var web: WebOptions

    @OptionGroup(title: "Metrics") var metrics: MetricsOptions

    @Option(
        parsing: .unconditional,
        help: "Serve IRC clients (irssi, WeeChat, HexChat) on this port too (6667 is IRC's; 0 picks a free one).")
    var ircPort: Int?

    @Option(
        parsing: .unconditional,
        help: "Serve IRC clients inside TLS on this port too (6697 is IRC's); needs the TLS options.")
    var ircTLSPort: Int?

    @Option(help: "The server's name in IRC numerics (a host name, say chat.example.org).")
    var ircServerName = "chatroom"

    @Option(
        help: ArgumentHelp(
            "A file whose first line is the IRC door's server password: IRC clients must give it (PASS).",
            discussion: "Accounts then log in with SASL PLAIN. Never on the command line, never logged.",
            valueName: "file"))
    var ircPasswordFile: String?

    @OptionGroup(title: "Retention") var retention: RetentionOptions

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        if let ircPort, !(0...65535).contains(ircPort) { throw ValidationError("--irc-port must be 0 to 65535") }
        if ircServerName.isEmpty || ircServerName.contains(where: { $0 == " " || $0 == ":" || !$0.isASCII }) {
            throw ValidationError("--irc-server-name: letters, digits, dots and dashes, say chat.example.org")
        }
        if let ircTLSPort {
            guard (0...65535).contains(ircTLSPort) else { throw ValidationError("--irc-tls-port must be 0 to 65535") }
            guard tls.settings != nil else {
                throw ValidationError("--irc-tls-port needs --tls-port, --tls-cert and --tls-key")
            }
        }
        if ircPasswordFile != nil {
            guard ircPort != nil || ircTLSPort != nil else {
                throw ValidationError("--irc-password-file needs --irc-port or --irc-tls-port")
            }
            _ = try ircPassword()
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard presenceHeartbeat > 0, presenceDeadAfter > 0 else {
            throw ValidationError("--presence-heartbeat and --presence-dead-after must be above 0")
        }
        if case .failure(let problem) = Room.name(defaultRoom) {
            throw ValidationError("--default-room: \(problem.words)")
        }
        guard maxRooms >= 1, maxRoomsPerMember >= 1 else {
            throw ValidationError("--max-rooms and --max-rooms-per-member must be at least 1")
        }
        guard maxClientsPerAddress >= 1, (maxUnjoined ?? 1) >= 1 else {
            throw ValidationError("--max-clients-per-address and --max-unjoined must be at least 1")
        }
        guard idleTimeout >= 0 else { throw ValidationError("--idle-timeout must be 0 or more seconds") }
        do throws(StoreError) {
            _ = try ServerDatabase(database)
        } catch {
            throw ValidationError("--database: \(error.message)")
        }
        try tls.validate()
        _ = try retention.policy()
        try web.validate(chatPort: port)
        try metrics.validate()
        guard nameTimeout > 0 else { throw ValidationError("--name-timeout must be more than 0 seconds") }
        guard stallTimeout > 0 else { throw ValidationError("--stall-timeout must be more than 0 seconds") }
        guard history >= 0, maxClients > 0, maxMessageBytes >= 64, maxQueueBytes >= 1024, rate >= 0, burst > 0 else {
            throw ValidationError(
                "--history, --max-clients, --max-message-bytes (64+), --max-queue-bytes (1024+), --rate and --burst must be positive"
            )
        }
    }

    /// The first line of `--irc-password-file` (nil without one); an error when it cannot be read
    /// or the line is empty. The password itself is never part of a message.
    func ircPassword() throws -> String? {
        guard let ircPasswordFile else { return nil }
        guard let data = FileManager.default.contents(atPath: ircPasswordFile) else {
            throw ValidationError("--irc-password-file: cannot read \(ircPasswordFile)")
        }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first
        let password = line.map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) } ?? ""
        guard !password.isEmpty else {
            throw ValidationError("--irc-password-file: its first line must be the password")
        }
        return password
    }

    public func run() async throws {
        let level = logLevel.level
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "chat-server")
        var configuration = ServerConfiguration(host: host, port: port, database: try ServerDatabase(database))
        configuration.history = history
        configuration.maxClients = maxClients
        configuration.maxClientsPerAddress = maxClientsPerAddress
        configuration.limitsLoopback = limitLoopback
        configuration.maxUnjoined = maxUnjoined
        configuration.maxMessageBytes = maxMessageBytes
        configuration.maxQueueBytes = maxQueueBytes
        configuration.messagesPerSecond = rate
        configuration.messageBurst = burst
        configuration.nameTimeoutSeconds = nameTimeout
        configuration.stallSeconds = stallTimeout
        configuration.durability = durability
        configuration.maxPageCount = maxPages
        configuration.searchIndexing = !noSearchIndex
        configuration.presenceHeartbeatSeconds = presenceHeartbeat
        configuration.presenceDeadAfterSeconds = presenceDeadAfter
        if case .success(let room) = Room.name(defaultRoom) { configuration.defaultRoom = room }
        configuration.maxRooms = maxRooms
        configuration.maxRoomsPerMember = maxRoomsPerMember
        configuration.exitWhenEmpty = exitWhenEmpty
        configuration.registration = registration
        configuration.requireAccount = requireAccount
        configuration.allowPlaintextPasswords = allowPlaintextPasswords
        configuration.idleTimeoutSeconds = idleTimeout
        configuration.tls = tls.settings
        configuration.httpPort = web.port(chatPort: port)
        configuration.allowedOrigins = web.allowOrigin
        configuration.ircPort = ircPort
        configuration.ircTLSPort = ircTLSPort
        configuration.ircServerName = ircServerName
        configuration.ircPassword = try ircPassword()
        configuration.retention = try retention.policy()
        metrics.apply(to: &configuration)
        // Trapped before the server starts, so a SIGHUP right after `listening on` reloads.
        var hangups: UnixSignalsSequence?
        if tls.settings != nil { hangups = await UnixSignalsSequence(trapping: .sighup) }

        // Under load the writer thread keeps a core busy committing; connections on every core
        // as well would make the two take turns (measured in BENCHMARKS.md).
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: threads ?? max(1, System.coreCount - 1))
        defer { loops.shutdownGracefully { _ in } }
        let server: ChatServer
        do {
            server = try await ChatServer(configuration: configuration, logger: logger, group: loops) { server in
                print("listening on \(server.host):\(server.port)")
                if let tlsPort = server.tlsPort { print("listening for TLS on \(server.host):\(tlsPort)") }
                if let url = server.webURL { print("web on \(url)") }
                if let ircPort = server.ircPort { print("irc on \(server.host):\(ircPort)") }
                if let port = server.ircTLSPort { print("irc over TLS on \(server.host):\(port)") }
                if let port = server.metricsPort {
                    print("metrics on \(server.configuration.metricsHost):\(port)")
                }
                fflush(nil)
            }
        } catch {
            FileHandle.standardError.write(Data("chat-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
        logger.info("session \(server.session) recording to \(configuration.database)")
        var services = [
            ServiceGroupConfiguration.ServiceConfiguration(
                service: server, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let hangups {
            services.append(
                .init(
                    service: CertificateReload(server: server, signals: hangups, logger: logger),
                    successTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            FileHandle.standardError.write(Data("chat-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension EventStore.Durability: ExpressibleByArgument {}
extension Registration: ExpressibleByArgument {}

/// `--log-level`: swift-log's levels, by their names.
enum LogLevel: String, CaseIterable, ExpressibleByArgument {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
}

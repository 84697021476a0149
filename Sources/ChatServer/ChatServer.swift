import ChatCore
import ChatModel
import ChatProtocol
import ChatStore
import ChatStorePostgres
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The chat server: rooms whose every event is committed to the record (SQLite, or PostgreSQL
/// shared with other nodes) before anyone sees it.
///
///     let server = try await ChatServer(configuration: configuration, logger: logger)
///     print("listening on \(server.host):\(server.port)")
///     try await server.run()  // until graceful shutdown or cancellation
public final class ChatServer: Service, Sendable {
    public let configuration: ServerConfiguration
    /// The address actually bound.
    public let host: String
    /// The port actually bound (the one picked when asked for port 0).
    public let port: Int
    /// The TLS port actually bound, when `configuration.tls` asked for one.
    public let tlsPort: Int?
    /// The IRC port actually bound, when `configuration.ircPort` asked for one.
    public let ircPort: Int?
    /// The IRC-over-TLS port actually bound, when `configuration.ircTLSPort` asked for one.
    public let ircTLSPort: Int?
    /// The web window's port actually bound, when `configuration.httpPort` asked for one.
    public let httpPort: Int?
    /// The metrics port actually bound, when `configuration.metricsPort` asked for one.
    public let metricsPort: Int?
    /// The web window's address, when it is served (`https` with TLS).
    public var webURL: String? {
        httpPort.map { "\(certificates == nil ? "http" : "https")://\(Self.hostInURL(host)):\($0)/" }
    }
    /// The session (server run) this server records.
    public var session: Int64 { opened.record.session }

    let logger: Logger
    let onListening: @Sendable (ChatServer) -> Void
    /// The record and its fan-out.
    let opened: ServerStore
    /// The SQLite store; nil on PostgreSQL.
    package var store: EventStore? { opened.sqlite }
    /// This node's presence across nodes; nil on SQLite.
    package var presence: PostgresPresence? { opened.presence }
    /// Purges what `configuration.retention` no longer keeps; nil when it keeps everything.
    let purger: RetentionPurger?
    /// The core, the fan-out and the doors, for every connection's handler.
    let services: ConnectionServices
    private let listener: NIOAsyncChannel<any Channel, Never>
    private let tlsListener: NIOAsyncChannel<any Channel, Never>?
    private let webListener: NIOAsyncChannel<any Channel, Never>?
    private let ircListener: NIOAsyncChannel<any Channel, Never>?
    private let ircTLSListener: NIOAsyncChannel<any Channel, Never>?
    private let metricsListener: NIOAsyncChannel<any Channel, Never>?
    /// What an IRC connection runs on: the IRC door only.
    private let ircServices: ConnectionServices
    /// What a web connection's chat runs on: the JSON door only.
    private let webServices: ConnectionServices
    /// Which pages' WebSockets may chat (`configuration.allowedOrigins`).
    private let webPolicy: OriginPolicy
    private let certificates: ServerCertificates?
    private let connections: Connections
    private let passwordPool: NIOThreadPool
    /// Another node reaped this one (PostgreSQL): `run` ends with `ServerError.reaped`.
    private let wasReaped = NIOLockedValueBox(false)

    /// Binds the listening socket, then opens the database (so that a server that cannot listen
    /// creates no file). Errors name the address or the database file, and the cause in plain words. `onListening` is called when `run` starts accepting.
    public init(
        configuration: ServerConfiguration, logger: Logger = Logger(label: "chat-server"),
        group: MultiThreadedEventLoopGroup = .singleton,
        onListening: @escaping @Sendable (ChatServer) -> Void = { _ in }
    ) async throws {
        if let refusal = configuration.database.refusal(of: configuration) { throw ServerError.configuration(refusal) }
        self.configuration = configuration
        let webPolicy = OriginPolicy(allowed: configuration.allowedOrigins)
        self.webPolicy = webPolicy
        self.connections = Connections(limits: configuration.admissionLimits)
        self.logger = logger
        self.onListening = onListening
        // The certificate first, then bind: a server that cannot listen creates no database.
        let certificates = try configuration.tls.map { settings throws(ServerError) in
            try ServerCertificates(settings)
        }
        self.certificates = certificates
        let lines = { @Sendable (channel: any Channel) throws in
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(LineFrameDecoder(maxLineBytes: configuration.maxFrameBytes)))
        }
        let listener = try await Self.bind(
            configuration, port: configuration.port, group: group, logger: logger, protocol: lines)
        var tlsListener: NIOAsyncChannel<any Channel, Never>?
        var webListener: NIOAsyncChannel<any Channel, Never>?
        var ircListener: NIOAsyncChannel<any Channel, Never>?
        var ircTLSListener: NIOAsyncChannel<any Channel, Never>?
        let metrics = configuration.metricsPort.map { _ in
            ServerMetrics.prometheus(
                searchIndex: configuration.searchIndexing && configuration.database.sqlitePath != nil)
        }
        // Filled in once the store and the directory exist; until then `/metrics` is refused.
        let scrape = NIOLockedValueBox<MetricsScrape?>(nil)
        var metricsListener: NIOAsyncChannel<any Channel, Never>?
        do {
            if let certificates {
                tlsListener = try await Self.bind(
                    configuration, port: certificates.settings.port, tls: certificates, group: group, logger: logger,
                    protocol: lines)
            }
            if let httpPort = configuration.httpPort {
                webListener = try await Self.bind(
                    configuration, port: httpPort, tls: certificates, group: group, logger: logger
                ) { channel in
                    try WebPort.configure(channel, maxLineBytes: configuration.maxFrameBytes, policy: webPolicy)
                }
            }
            if let ircPort = configuration.ircPort {
                ircListener = try await Self.bind(
                    configuration, port: ircPort, group: group, logger: logger, protocol: lines)
            }
            if let certificates, let ircTLSPort = configuration.ircTLSPort {
                ircTLSListener = try await Self.bind(
                    configuration, port: ircTLSPort, tls: certificates, group: group, logger: logger, protocol: lines)
            }
            if let metricsPort = configuration.metricsPort {
                metricsListener = try await MetricsPort.bind(
                    host: configuration.metricsHost, port: metricsPort, scrape: { scrape.withLockedValue { $0 } },
                    timeoutSeconds: configuration.httpRequestTimeoutSeconds, group: group)
            }
        } catch {
            try? await listener.channel.close()
            try? await tlsListener?.channel.close()
            try? await webListener?.channel.close()
            try? await ircListener?.channel.close()
            try? await ircTLSListener?.channel.close()
            throw error
        }
        let hub = RoomHub(
            ircServerName: ircListener != nil || ircTLSListener != nil ? configuration.ircServerName : nil)
        let address = listener.channel.localAddress
        host = address?.ipAddress ?? configuration.host
        port = address?.port ?? configuration.port
        tlsPort = tlsListener.map { $0.channel.localAddress?.port ?? certificates?.settings.port ?? 0 }
        self.tlsListener = tlsListener
        httpPort = webListener.map { $0.channel.localAddress?.port ?? configuration.httpPort ?? 0 }
        self.webListener = webListener
        ircPort = ircListener.map { $0.channel.localAddress?.port ?? configuration.ircPort ?? 0 }
        self.ircListener = ircListener
        ircTLSPort = ircTLSListener.map { $0.channel.localAddress?.port ?? configuration.ircTLSPort ?? 0 }
        self.ircTLSListener = ircTLSListener
        metricsPort = metricsListener.map { $0.channel.localAddress?.port ?? configuration.metricsPort ?? 0 }
        self.metricsListener = metricsListener
        let directory: ChatDirectory
        let accounts: Accounts
        let opened: ServerStore
        // Filled in once the server exists: what to do when another node reaps this one.
        let reaped = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)
        // Filled in once the services exist: other nodes' bans and mutes (PostgreSQL).
        let sanctions = NIOLockedValueBox<SharedSanctions?>(nil)
        do {
            let store = try await ServerStore.open(
                configuration, host: host, port: port, hub: hub, metrics: metrics, logger: logger,
                onReaped: { reaped.withLockedValue { $0 }?() },
                onCommitted: { events in sanctions.withLockedValue { $0 }?.committed(events) })
            (opened, directory) = (store.0, store.1)
            do {
                accounts = try await Self.accounts(configuration, logger: logger)
                purger = try Self.startPurger(configuration, store: opened, logger: logger)
            } catch {
                try? await opened.close()
                throw error
            }
        } catch {
            try? await listener.channel.close()
            try? await tlsListener?.channel.close()
            try? await webListener?.channel.close()
            try? await ircListener?.channel.close()
            try? await ircTLSListener?.channel.close()
            try? await metricsListener?.channel.close()
            throw error
        }
        self.opened = opened
        self.listener = listener
        let core = ChatCore(
            record: opened.record, directory: directory, configuration: configuration.core, accounts: accounts)
        passwordPool = NIOThreadPool(numberOfThreads: max(configuration.passwordThreads, 1))
        passwordPool.start()
        let doors = DoorSet([
            JSONDoor(maxMessageBytes: configuration.maxMessageBytes),
            PlainDoor(maxMessageBytes: configuration.maxMessageBytes),
        ])
        let emptied = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)
        let exitWhenEmpty = configuration.exitWhenEmpty
        let memberLeft: @Sendable () -> Void = {
            guard exitWhenEmpty, directory.count == 0 else { return }
            let action = emptied.withLockedValue { $0 }
            action?()
        }
        let connections = self.connections
        services = ConnectionServices(
            core: core, hub: hub, doors: doors, configuration: configuration, logger: logger,
            passwordPool: passwordPool, registry: ConnectionRegistry(), memberLeft: memberLeft,
            closed: { connection, peer, reason in
                logger.info("\(Self.describe(peer)) disconnected (\(reason.words))")
                connections.closed(connection)
            },
            joined: { connections.joined($0) }, metrics: metrics, presence: opened.presence)
        var webServices = services
        webServices.doors = DoorSet([WebSocketDoor(json: JSONDoor(maxMessageBytes: configuration.maxMessageBytes))])
        self.webServices = webServices
        var ircServices = services
        var ircDoor = IRCDoor(
            directory: directory, presence: IRCPresence(), serverName: configuration.ircServerName,
            maxMessageBytes: configuration.maxMessageBytes,
            maxRoomsPerMember: configuration.core.maxRoomsPerMember, serverPassword: configuration.ircPassword)
        ircDoor.namesShared = configuration.core.namesShared
        ircServices.doors = DoorSet([ircDoor])
        self.ircServices = ircServices
        if let metrics {
            let (record, store) = (opened.record, opened.sqlite)
            scrape.withLockedValue {
                $0 = MetricsScrape(
                    metrics: metrics, databasePath: store?.path, directory: directory,
                    channels: { connections.channels() },
                    searchIndexLag: store.map { store in
                        { @Sendable in Int((try? store.read { try $0.searchIndexLag() }) ?? 0) }
                    },
                    state: { (connections.isAccepting, record.lastFailure ?? opened.outOfTouch) })
                if case .postgres(let postgres, _) = opened {
                    $0?.postgresBytes = { try? await postgres.readers.databaseBytes() }
                }
            }
        }
        reaped.withLockedValue { action in action = { [weak self] in self?.reapedByAnotherNode() } }
        if opened.presence != nil {
            let shared = SharedSanctions(
                accounts: accounts, directory: directory, registry: services.registry, passwordPool: passwordPool,
                session: opened.record.session)
            sanctions.withLockedValue { $0 = shared }
            shared.start()
        }
        // Once the last member has left, the server stops (a classroom's room closes).
        emptied.withLockedValue { action in
            action = { [weak self] in
                logger.info("the last member left: stopping (--exit-when-empty)")
                self?.beginShutdown(message: "the room is closing: everyone left")
            }
        }
    }

    /// The accounts of the database's book (the SQLite file's, or the PostgreSQL database's that
    /// the nodes share). Opening the book and reading it block: on a thread pool's thread, not in
    /// this task (see `AccountsBook`).
    private static func accounts(_ configuration: ServerConfiguration, logger: Logger) async throws -> Accounts {
        try await NIOThreadPool.singleton.runIfActive {
            let book = try configuration.database.openAccountsBook(logger: logger)
            do {
                return try Accounts(
                    book: book, hasher: configuration.passwordHasher, registration: configuration.registration,
                    requireAccount: configuration.requireAccount,
                    allowPlaintextPasswords: configuration.allowPlaintextPasswords)
            } catch {
                book.close()
                throw error
            }
        }
    }

    /// Binds `port` (errors worded: `ServerError.cannotListen`); each connection's pipeline gets
    /// the handlers of its `protocol`, after TLS with `tls` (`PlainTextOnTLSPort`,
    /// `NIOSSLServerHandler`, `TLSHandshakeGuard`).
    private static func bind(
        _ configuration: ServerConfiguration, port: Int, tls: ServerCertificates? = nil,
        group: MultiThreadedEventLoopGroup, logger: Logger,
        protocol addProtocol: @escaping @Sendable (any Channel) throws -> Void
    ) async throws(ServerError) -> NIOAsyncChannel<any Channel, Never> {
        do {
            return try await bootstrap(configuration, group: group, logger: logger)
                .bind(host: configuration.host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handlers = channel.pipeline.syncOperations
                        if let tls {
                            try handlers.addHandler(PlainTextOnTLSPort(logger: logger))
                            try handlers.addHandler(NIOSSLServerHandler(context: tls.context))
                            try handlers.addHandler(
                                TLSHandshakeGuard(logger: logger, timeoutSeconds: tls.settings.handshakeTimeoutSeconds))
                        }
                        try addProtocol(channel)
                        return channel
                    }
                }
        } catch {
            throw .cannotListen(host: configuration.host, port: port, cause: ErrorWording.listenFailure(error))
        }
    }

    private static func bootstrap(
        _ configuration: ServerConfiguration, group: MultiThreadedEventLoopGroup, logger: Logger
    ) -> ServerBootstrap {
        let queue = max(configuration.maxQueueBytes, 2 * configuration.maxFrameBytes)
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPause(logger: logger))
                }
            }
            .keepalive(
                idle: configuration.keepaliveIdleSeconds, interval: configuration.keepaliveIntervalSeconds,
                probes: configuration.keepaliveProbes
            )
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: queue / 2, high: queue))
            // Bound the kernel's share too: left to autotuning, loopback and LAN sockets buffer up
            // to tcp_wmem's maximum (4 MiB) for a client that never reads, before the queue above
            // even starts to fill.
            .childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(clamping: queue))
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            // Each connection's `ConnectionHandler` asks for every read, so it can pause reading
            // while a step waits.
            .childChannelOption(.autoRead, value: false)
            // Chat lines are short: start reads small (NIO adapts upwards under load), so that an idle
            // connection's retained receive buffer is small.
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)
            )
    }

    /// Serves until graceful shutdown (SIGINT, SIGTERM through a `ServiceGroup`) or cancellation,
    /// then tells everyone, records their leaves, commits everything and closes the session.
    /// Runs once: a second call throws `ServerError.alreadyRunning` or `.alreadyStopped`.
    public func run() async throws {
        try connections.run()
        // Outside the group: `/health` answers (503) while the connections wind down.
        let metricsListener = self.metricsListener
        let metricsTask = metricsListener.map { listener in Task { try await MetricsPort.serve(listener) } }
        var failure: (any Error)?
        do {
            try await withTaskCancellationOrGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    if let tlsListener {
                        group.addTask {
                            try await tlsListener.executeThenClose { inbound in
                                for try await channel in inbound { self.accept(channel, encrypted: true) }
                            }
                        }
                    }
                    if let ircListener {
                        group.addTask {
                            try await ircListener.executeThenClose { inbound in
                                for try await channel in inbound { self.accept(channel, encrypted: false, irc: true) }
                            }
                        }
                    }
                    if let ircTLSListener {
                        group.addTask {
                            try await ircTLSListener.executeThenClose { inbound in
                                for try await channel in inbound { self.accept(channel, encrypted: true, irc: true) }
                            }
                        }
                    }
                    if let webListener {
                        group.addTask {
                            try await webListener.executeThenClose { inbound in
                                for try await channel in inbound { self.acceptWeb(channel) }
                            }
                        }
                    }
                    try await listener.executeThenClose { inbound in
                        onListening(self)
                        for try await channel in inbound { accept(channel, encrypted: false) }
                    }
                }
            } onCancelOrGracefulShutdown: {
                self.beginShutdown()
            }
        } catch {
            failure = error
        }
        beginShutdown()
        await connections.allClosed()
        try? await metricsListener?.channel.close()
        _ = await metricsTask?.result
        try? await passwordPool.shutdownGracefully()
        let accounts = services.core.accounts
        try? await NIOThreadPool.singleton.runIfActive { accounts.close() }
        await purger?.stop()
        try await opened.close()
        logger.info("session \(session) closed")
        if let failure { throw failure }
        if wasReaped.withLockedValue({ $0 }) { throw ServerError.reaped(session: session) }
    }

    /// Another node reaped this one (cut off from the database for longer than
    /// `presenceDeadAfterSeconds`): it recorded this node's members' leaves, and their names may be
    /// someone else's now. Every connection is closed without recording leaves, its client told
    /// to reconnect (to any node), and the server stops: `run` throws `ServerError.reaped`.
    private func reapedByAnotherNode() {
        logger.critical(
            "session \(session) was reaped by another node (no heartbeat reached the database for \(configuration.presenceDeadAfterSeconds) s): its members' leaves are recorded there; closing every connection without recording leaves, and stopping"
        )
        wasReaped.withLockedValue { $0 = true }
        beginShutdown(message: "this node lost touch with the database: reconnect", leavesRecorded: true)
    }

    /// Serves an accepted connection on its event loop (see `ConnectionHandler`), or refuses it;
    /// the same for both ports (the same limits), `encrypted` for the TLS one.
    private func accept(_ channel: any Channel, encrypted: Bool, irc: Bool = false) {
        let connection: Int64
        switch connections.admit(channel) {
        case .success(let admitted):
            connection = admitted
        case .failure(let refusal):
            refuse(channel, refusal, irc: irc)
            // The refusal goes out once the handshake is done, which needs reads.
            if encrypted { channel.read() }
            return
        }
        let services = irc ? ircServices : services
        channel.eventLoop.execute {
            do {
                try channel.pipeline.syncOperations.addHandler(
                    ConnectionHandler(services: services, connection: connection, encrypted: encrypted))
            } catch {
                channel.close(promise: nil)
                services.closed(connection, channel.remoteAddress, .connectionLost)
            }
        }
    }

    /// Serves a web port's connection: its page, or its chat once it is a WebSocket (see
    /// `WebEntrance`); the same limits as the chat ports.
    private func acceptWeb(_ channel: any Channel) {
        let (policy, timeout) = (webPolicy, configuration.httpRequestTimeoutSeconds)
        var refusal: String?
        var chat: (@Sendable (any Channel) throws -> Void)?
        var ended: @Sendable () -> Void = {}
        switch connections.admit(channel) {
        case .success(let connection):
            let (services, connections, encrypted) = (webServices, connections, certificates != nil)
            chat = { channel in
                try channel.pipeline.syncOperations.addHandlers(
                    WebSocketLines(maxLineBytes: services.configuration.maxFrameBytes),
                    ConnectionHandler(services: services, connection: connection, encrypted: encrypted))
            }
            ended = { connections.closed(connection) }
        case .failure(let why):
            logger.info("\(Self.describe(channel.remoteAddress)) refused (web): \(why.why(configuration))")
            refusal = why.line(configuration)
        }
        channel.eventLoop.execute { [refusal, chat, ended] in
            do {
                try channel.pipeline.syncOperations.addHandler(
                    WebEntrance(policy: policy, timeoutSeconds: timeout, refusal: refusal, chat: chat, ended: ended))
            } catch {
                channel.close(promise: nil)
                ended()
            }
        }
    }

    /// Tells a refused connection why in one plain line, then closes it.
    private func refuse(_ channel: any Channel, _ refusal: Connections.Refusal, irc: Bool = false) {
        logger.info("\(Self.describe(channel.remoteAddress)) refused: \(refusal.why(configuration))")
        var buffer = channel.allocator.buffer(capacity: 100)
        if irc {
            buffer.writeIRC(from: nil, "ERROR", text: "Closing link: " + refusal.line(configuration))
        } else {
            buffer.writeLine(refusal.line(configuration))
        }
        channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Stops accepting, sends every client the shutdown notice and closes their connections
    /// (after at most the grace time). `run` returns once every leave is recorded.
    /// - Parameter message: why, for the notice (`the room is closing: the host left`).
    /// - Parameter leavesRecorded: another node recorded the leaves (it reaped this node).
    public func beginShutdown(message: String? = nil, leavesRecorded: Bool = false) {
        guard let channels = connections.beginShutdown() else { return }
        logger.info("shutting down: telling \(channels.count) connections")
        listener.channel.close(promise: nil)
        tlsListener?.channel.close(promise: nil)
        webListener?.channel.close(promise: nil)
        ircListener?.channel.close(promise: nil)
        ircTLSListener?.channel.close(promise: nil)
        for channel in channels {
            channel.eventLoop.execute {
                channel.pipeline.fireUserInboundEventTriggered(
                    ConnectionHandler.ShutdownBegun(message: message, leavesRecorded: leavesRecorded))
            }
        }
    }

    /// Reads the TLS certificate and key files again: new connections get the new ones (open
    /// ones keep theirs). On failure the previous ones stay in use, and the error says why.
    public func reloadCertificates() throws(ServerError) {
        guard let certificates else { throw .tls("this server has no TLS port") }
        do {
            try certificates.reload()
        } catch {
            logger.error("cannot reload: \(error); still serving the previous certificate")
            throw error
        }
        logger.notice("TLS: certificate reloaded from \(certificates.settings.certificatePath)")
    }

    /// `host` as a URL writes it (an IPv6 address in brackets).
    static func hostInURL(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "unknown peer" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

/// Failures of the server itself (the store has `StoreError`).
public enum ServerError: Error, CustomStringConvertible {
    case cannotListen(host: String, port: Int, cause: String)
    /// `run` was called while the server was already running.
    case alreadyRunning
    /// `run` was called after the server had stopped: a server runs once.
    case alreadyStopped
    /// The TLS certificate or key cannot be used (at start, or on reload).
    case tls(String)
    /// The configuration asks for what its database cannot do (PostgreSQL: accounts, retention).
    case configuration(String)
    /// Another node reaped this one (its heartbeat had stopped reaching the database): it closed
    /// every connection and stopped; start it again for a new session.
    case reaped(session: Int64)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let cause): return "cannot listen on \(host):\(port): \(cause)"
        case .alreadyRunning: return "the server is already running: run() was called twice"
        case .alreadyStopped: return "the server has stopped: a server runs once; make a new one"
        case .tls(let problem): return "TLS: \(problem)"
        case .configuration(let problem): return problem
        case .reaped(let session):
            return
                "session \(session) was reaped by another node (cut off from the database for too long): every connection was closed; start the server again"
        }
    }
}

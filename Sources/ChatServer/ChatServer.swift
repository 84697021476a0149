import ChatCore
import ChatModel
import ChatProtocol
import ChatStore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The chat server: one room, every event committed to SQLite before anyone sees it.
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
    /// The session (server run) this server records.
    public var session: Int64 { writer.session }

    let logger: Logger
    let onListening: @Sendable (ChatServer) -> Void
    let store: EventStore
    let writer: EventWriter
    /// The room's rules and record, for every door.
    let core: ChatCore
    /// The fan-out of committed events to the members' outlets.
    let room: LiveRoom
    /// The doors of the port: the first line of a connection decides.
    let doors: DoorSet
    private let listener: NIOAsyncChannel<any Channel, Never>
    private let state = NIOLockedValueBox(State())

    private struct State {
        var lifecycle = Lifecycle.initial
        var connections: [Int64: any Channel] = [:]
        var nextConnection: Int64 = 1
        /// `run` waiting for the last connection to close.
        var drained: CheckedContinuation<Void, Never>?
    }

    /// Opens the database and binds the listening socket. Errors name the database file or the
    /// address and the cause. `onListening` is called when `run` starts accepting.
    public init(
        configuration: ServerConfiguration, logger: Logger = Logger(label: "chat-server"),
        group: MultiThreadedEventLoopGroup = .singleton,
        onListening: @escaping @Sendable (ChatServer) -> Void = { _ in }
    ) async throws {
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
        let store = try EventStore(
            path: configuration.databasePath, durability: configuration.durability,
            maxPageCount: configuration.maxPageCount)
        let room = LiveRoom(name: Room.defaultName)
        let listener: NIOAsyncChannel<any Channel, Never>
        do {
            listener = try await Self.bind(configuration, group: group)
        } catch {
            try? store.close()
            throw ServerError.cannotListen(host: configuration.host, port: configuration.port, cause: "\(error)")
        }
        let address = listener.channel.localAddress
        host = address?.ipAddress ?? configuration.host
        port = address?.port ?? configuration.port
        do {
            writer = try store.startSession(host: host, port: port, version: chatroomVersion) { room.deliver($0) }
        } catch {
            try? await listener.channel.close()
            try? store.close()
            throw error
        }
        self.store = store
        self.room = room
        self.listener = listener
        core = ChatCore(
            store: store, writer: writer, room: ChatRoom(name: room.name), configuration: configuration.core)
        doors = DoorSet([
            JSONDoor(maxLineBytes: configuration.maxLineBytes), PlainDoor(maxLineBytes: configuration.maxLineBytes),
        ])
    }

    private static func bind(
        _ configuration: ServerConfiguration, group: MultiThreadedEventLoopGroup
    ) async throws -> NIOAsyncChannel<any Channel, Never> {
        let queue = max(configuration.maxQueueBytes, 2 * configuration.maxLineBytes)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
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
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = channel.pipeline.syncOperations
                    try handlers.addHandler(
                        ByteToMessageHandler(LineFrameDecoder(maxLineBytes: configuration.maxLineBytes)))
                    return channel
                }
            }
    }

    /// Serves until graceful shutdown (SIGINT, SIGTERM through a `ServiceGroup`) or cancellation,
    /// then tells everyone, records their leaves, commits everything and closes the session.
    /// Runs once: a second call throws `ServerError.alreadyRunning` or `.alreadyStopped`.
    public func run() async throws {
        try state.withLockedValue { try $0.lifecycle.run() }
        var failure: (any Error)?
        do {
            try await withTaskCancellationOrGracefulShutdownHandler {
                try await listener.executeThenClose { inbound in
                    onListening(self)
                    for try await channel in inbound { accept(channel) }
                }
            } onCancelOrGracefulShutdown: {
                self.beginShutdown()
            }
        } catch {
            failure = error
        }
        beginShutdown()
        await allConnectionsClosed()
        state.withLockedValue { $0.lifecycle.stopped() }
        try store.close()
        logger.info("session \(session) closed")
        if let failure { throw failure }
    }

    /// Serves an accepted connection on its event loop (see `ConnectionHandler`), or refuses it.
    private func accept(_ channel: any Channel) {
        guard let connection = admitConnection(channel) else { return }
        channel.eventLoop.execute {
            do {
                try channel.pipeline.syncOperations.addHandler(ConnectionHandler(server: self, connection: connection))
            } catch {
                channel.close(promise: nil)
                self.closed(connection, peer: channel.remoteAddress, reason: .connectionLost)
            }
        }
    }

    /// Returns once every connection is closed and its leave submitted (after `beginShutdown`).
    private func allConnectionsClosed() async {
        await withCheckedContinuation { continuation in
            let now = state.withLockedValue { state -> Bool in
                guard state.connections.isEmpty else {
                    state.drained = continuation
                    return false
                }
                return true
            }
            if now { continuation.resume() }
        }
    }

    /// Stops accepting, sends every client the shutdown notice and closes their connections
    /// (after at most the grace time). `run` returns once every leave is recorded.
    /// - Parameter message: why, for the notice (`the room is closing: the host left`).
    public func beginShutdown(message: String? = nil) {
        let channels = state.withLockedValue { state -> [any Channel]? in
            guard state.lifecycle.beginShutdown() else { return nil }
            return Array(state.connections.values)
        }
        guard let channels else { return }
        logger.info("shutting down: telling \(channels.count) connections")
        listener.channel.close(promise: nil)
        for channel in channels {
            channel.eventLoop.execute {
                channel.pipeline.fireUserInboundEventTriggered(ConnectionHandler.ShutdownBegun(message: message))
            }
        }
    }

    /// Registers a new connection and returns its number, or refuses it politely when the server
    /// is full or stopping.
    private func admitConnection(_ channel: any Channel) -> Int64? {
        let admitted = state.withLockedValue { state -> (Int64?, stopping: Bool) in
            guard state.lifecycle.isAccepting else { return (nil, true) }
            guard state.connections.count < configuration.maxClients else { return (nil, false) }
            let connection = state.nextConnection
            state.nextConnection += 1
            state.connections[connection] = channel
            return (connection, false)
        }
        guard let connection = admitted.0 else {
            logger.info("\(Self.describe(channel.remoteAddress)) refused: server full or stopping")
            var buffer = channel.allocator.buffer(capacity: 80)
            buffer.writeLine(admitted.stopping ? PlainTexts.shutdown : PlainTexts.full(configuration.maxClients))
            channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            return nil
        }
        return connection
    }

    /// A connection is over: forgets it.
    func closed(_ connection: Int64, peer: SocketAddress?, reason: LeaveReason) {
        logger.info("\(Self.describe(peer)) disconnected (\(reason.words))")
        let drained = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.connections.removeValue(forKey: connection)
            guard state.connections.isEmpty, let drained = state.drained else { return nil }
            state.drained = nil
            return drained
        }
        drained?.resume()
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

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let cause): return "cannot listen on \(host):\(port): \(cause)"
        case .alreadyRunning: return "the server is already running: run() was called twice"
        case .alreadyStopped: return "the server has stopped: a server runs once; make a new one"
        }
    }
}

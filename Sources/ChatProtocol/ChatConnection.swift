import ChatModel
import NIOCore
import NIOPosix
import NIOSSL

/// Why a connection could not be made or was refused.
public enum ConnectionError: Error, CustomStringConvertible, Sendable {
    /// TCP did not connect: `cause` says why, in a whole sentence (`ErrorWording.connectFailure`).
    case cannotConnect(host: String, port: Int, cause: String)
    /// The server accepted the connection but sent no welcome within `seconds`.
    case noWelcome(host: String, port: Int, seconds: Double)
    /// The server sent `lines` lines and still no welcome: not a chatroom server, or a broken one.
    case notChatroom(host: String, port: Int, lines: Int)
    /// The server closed before welcoming us; `said` is what it said (room full, shutting down).
    case closedBeforeWelcome(host: String, port: Int, said: String)
    /// The server refused the hello.
    case refused(code: ErrorCode, message: String)
    /// TLS failed with `host:port` (an untrusted or mismatched certificate, not a TLS port);
    /// nothing was sent. Never followed by a plain connection.
    case tls(host: String, port: Int, problem: String)
    /// TLS cannot be set up on this side (an unreadable CA file).
    case tlsSetup(String)

    public var description: String {
        switch self {
        case .cannotConnect(_, _, let cause): return cause
        case .noWelcome(let host, let port, let seconds):
            let time = seconds == seconds.rounded() ? "\(Int(seconds))" : "\(seconds)"
            return "\(host):\(port) accepted the connection but sent no welcome within \(time) s"
        case .notChatroom(let host, let port, let lines):
            return "\(host):\(port) sent \(lines) lines but no welcome: is it a chatroom server?"
        case .closedBeforeWelcome(let host, let port, let said):
            return "\(host):\(port) closed the connection" + (said.isEmpty ? "" : ": \(said)")
        case .refused(let code, let message): return "the server refused: \(message) (\(code.rawValue))"
        case .tls(_, _, let problem): return "TLS: \(problem)"
        case .tlsSetup(let problem): return "TLS: \(problem)"
        }
    }
}

/// What the server said in its welcome.
public struct Welcome: Sendable, Equatable {
    /// The name we were given; it may differ from the one asked for (`alice2`).
    public var name: String
    public var session: Int64
    public var server: String
    public var room: String
    /// The longest message text the server takes, in UTF-8 bytes (`MessageLimit.defaultBytes` when
    /// it does not say).
    public var maxMessageBytes: Int
    /// Resumes this name's private messages after a drop (nil from servers without them).
    public var token: String?

    public init(
        name: String, session: Int64, server: String, room: String,
        maxMessageBytes: Int = MessageLimit.defaultBytes, token: String? = nil
    ) {
        self.token = token
        self.name = name
        self.session = session
        self.server = server
        self.room = room
        self.maxMessageBytes = maxMessageBytes
    }
}

/// A structured-protocol connection to a chat server, for as long as `body` runs.
///
///     try await ChatConnection.withConnection(host: "127.0.0.1", port: 7070, name: "alice") { chat in
///         try await chat.send(.say("hi"))
///         while let message = try await chat.next() { ... }
///     }
public struct ChatConnection: ~Copyable {
    /// The welcome the server sent.
    public let welcome: Welcome
    /// Messages that came with the welcome (a resume `gap`, history) are returned by `next()` first.
    private var iterator: NIOAsyncChannelInboundStream<InboundLine>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let allocator: ByteBufferAllocator
    private let channel: any Channel

    /// The longest line accepted from the server.
    public static let maxLineBytes = 1 << 20
    /// Lines a server may send before its welcome (a real one sends its greeting, perhaps a
    /// refusal); after that many the client gives up, so a stream of text costs nothing.
    public static let maxLinesBeforeWelcome = 100

    /// Connects, says hello, waits for the welcome, runs `body`, then closes.
    /// - Parameters:
    ///   - resumeAfter: the last event id already seen: the server sends every later event, once.
    ///   - history: how many recent events to get when not resuming (nil: the server's default).
    ///   - watch: receive without joining (not in the member list, no join or leave recorded);
    ///     a server that does not know it joins the client visibly.
    ///   - rooms: the rooms to be in again after a drop, each with the last event id seen of it;
    ///     the last one is the current room. Empty: the server's default room.
    ///   - privateAfter, token: the last private message seen, and the previous welcome's token.
    ///   - password: the name's password, when the server asked for it (`password_required`).
    ///   - welcomeTimeout: how long the server may take to welcome us once connected.
    ///   - tls: speak TLS; the hello is sent only once the server's certificate is verified.
    public static func withConnection<T>(
        host: String, port: Int, name: String, resumeAfter: Int64? = nil, history: Int? = nil,
        watch: Bool = false, rooms: [RoomResume] = [], privateAfter: Int64? = nil, token: String? = nil,
        password: String? = nil, connectTimeout: TimeAmount = .seconds(2), welcomeTimeout: TimeAmount = .seconds(10),
        tls: ClientTLS? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (inout ChatConnection) async throws -> T
    ) async throws -> T {
        let channel: NIOAsyncChannel<InboundLine, ByteBuffer>
        let handshake: EventLoopFuture<Void>?
        do {
            let connected = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handlers = channel.pipeline.syncOperations
                        var handshake: EventLoopFuture<Void>?
                        if let tls {
                            let done = channel.eventLoop.makePromise(of: Void.self)
                            try handlers.addHandler(try tls.handler(host: host))
                            try handlers.addHandler(TLSHandshakeWait(done: done))
                            handshake = done.futureResult
                        }
                        try handlers.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: maxLineBytes)))
                        return (
                            try NIOAsyncChannel<InboundLine, ByteBuffer>(wrappingChannelSynchronously: channel),
                            handshake
                        )
                    }
                }
            channel = connected.0
            handshake = connected.1
        } catch {
            throw ConnectionError.cannotConnect(
                host: host, port: port, cause: ErrorWording.connectFailure(error, host: host, port: port))
        }
        // No welcome in time: the reading below fails with `noWelcome` and the connection closes.
        let seconds = Double(welcomeTimeout.nanoseconds) / 1e9
        let timer = channel.channel.eventLoop.scheduleTask(in: welcomeTimeout) { [channel = channel.channel] in
            channel.pipeline.fireErrorCaught(ConnectionError.noWelcome(host: host, port: port, seconds: seconds))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            if let handshake, let tls {
                do {
                    try await handshake.get()
                } catch let error as ConnectionError {
                    throw error
                } catch {
                    throw ConnectionError.tls(
                        host: host, port: port, problem: tls.describe(error, host: host, port: port))
                }
            }
            var iterator = inbound.makeAsyncIterator()
            let allocator = channel.channel.allocator
            let hello = ClientMessage.hello(
                name: name, resumeAfter: resumeAfter, history: history, watch: watch, rooms: rooms,
                privateAfter: privateAfter, token: token, password: password)
            try await outbound.write(Self.line(hello.json, allocator))
            // Plain text before the welcome: the greeting, or why we are refused. Only the first
            // few lines are kept, clipped; a server that goes on and on is given up on.
            var said: [String] = []
            var lines = 0
            while true {
                guard let input = try await iterator.next() else {
                    throw ConnectionError.closedBeforeWelcome(
                        host: host, port: port, said: said.dropFirst().joined(separator: " "))
                }
                lines += 1
                guard lines <= maxLinesBeforeWelcome else {
                    throw ConnectionError.notChatroom(host: host, port: port, lines: lines - 1)
                }
                guard case .line(let buffer) = input else { continue }
                let bytes = buffer.readableBytesView
                guard let message = try? ServerMessage.decode(bytes) else {
                    if said.count < 4 { said.append(String(TextSanitizer.clean(bytes: bytes).prefix(200))) }
                    continue
                }
                switch message {
                case .welcome(let name, let session, let server, let room, let maxMessageBytes, let token):
                    timer.cancel()
                    let welcome = Welcome(
                        name: name, session: session, server: server, room: room,
                        maxMessageBytes: maxMessageBytes ?? MessageLimit.defaultBytes, token: token)
                    var connection = ChatConnection(
                        welcome: welcome,
                        iterator: iterator, outbound: outbound, allocator: allocator, channel: channel.channel)
                    return try await body(&connection)
                case .error(let code, let message):
                    throw ConnectionError.refused(code: code, message: message)
                case .shutdown(let message):
                    throw ConnectionError.closedBeforeWelcome(host: host, port: port, said: message)
                default:
                    continue
                }
            }
        }
    }

    /// The next message from the server; nil when the server closed the connection.
    /// Lines that are not protocol messages are skipped; the server's pings are answered here.
    public mutating func next() async throws -> ServerMessage? {
        while let input = try await iterator.next() {
            guard case .line(let buffer) = input else { continue }
            guard let message = try? ServerMessage.decode(buffer.readableBytesView) else { continue }
            if message == .ping {
                try await send(.pong)
                continue
            }
            return message
        }
        return nil
    }

    /// Sends one message.
    public func send(_ message: ClientMessage) async throws {
        try await outbound.write(Self.line(message.json, allocator))
    }

    /// Says goodbye (the server records a quit) and stops sending.
    public func quit() async throws {
        try await send(.quit)
        outbound.finish()
    }

    /// A handle that sends on this connection from any task while `next()` reads in another.
    public var sender: ChatSender {
        ChatSender(outbound: outbound, allocator: allocator, channel: channel)
    }

    static func line(_ text: String, _ allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: text.utf8.count + 1)
        buffer.writeString(text)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return buffer
    }
}

/// Sends on a `ChatConnection` from another task; valid while the connection's body runs.
public struct ChatSender: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let allocator: ByteBufferAllocator
    let channel: any Channel

    /// Sends one message.
    public func send(_ message: ClientMessage) async throws {
        try await outbound.write(ChatConnection.line(message.json, allocator))
    }

    /// Says goodbye (the server records a quit) and stops sending.
    public func quit() async throws {
        try await send(.quit)
        outbound.finish()
    }

    /// Closes the connection at once, without a goodbye: to the server it looks like a lost connection.
    public func abort() {
        channel.close(promise: nil)
    }
}

import ChatModel
import ChatProtocol
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A raw line client, as `nc` would be: it sends bytes and collects every line the server sends.
/// Every wait has a deadline.
package final class TestClient: Sendable {
    package let channel: Channel
    private let inbox: Inbox

    /// Connects; `counting` lines are counted as they arrive (see `counted`); `receiveBuffer`
    /// sets SO_RCVBUF before connecting, for clients that stop reading; `staysOpen` keeps the
    /// socket open when the server ends its side, as `nc` does (by default it closes then);
    /// `from` binds the client's end to that source address first (any of 127.0.0.0/8 on Linux, to
    /// look like another machine to the server's per-address limit); `tls` speaks TLS with that
    /// client context (the server's certificate checked against 127.0.0.1).
    package static func connect(
        port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        counting: (@Sendable (String) -> Bool)? = nil, receiveBuffer: Int? = nil, staysOpen: Bool = false,
        from source: String? = nil, tls: NIOSSLContext? = nil
    ) async throws -> TestClient {
        let inbox = Inbox(counting: counting)
        var bootstrap = ClientBootstrap(group: group).channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: staysOpen)
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        if let receiveBuffer {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer))
        }
        let channel =
            try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 1 << 20)))
                    try channel.pipeline.syncOperations.addHandler(inbox)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TestClient(channel: channel, inbox: inbox)
    }

    private init(channel: Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// Connects and gives a name; returns once the welcome line arrived.
    package static func join(
        port: Int, as name: String, counting: (@Sendable (String) -> Bool)? = nil, receiveBuffer: Int? = nil,
        staysOpen: Bool = false
    ) async throws -> TestClient {
        let client = try await connect(
            port: port, counting: counting, receiveBuffer: receiveBuffer, staysOpen: staysOpen)
        try await client.send(name)
        try await client.expect { $0.hasPrefix("Hello ") }
        return client
    }

    /// Sends `line` and a newline.
    package func send(_ line: String) async throws {
        try await send(bytes: Array(line.utf8) + [UInt8(ascii: "\n")])
    }

    package func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// The next line, nil when the server closed the connection.
    package func next(within seconds: Double = 10) async throws -> String? {
        try await channel.eventLoop.flatSubmit { self.inbox.next(within: seconds, on: self.channel.eventLoop) }.get()
    }

    /// Reads lines until one matches; throws with what was seen if none does in time.
    @discardableResult
    package func expect(within seconds: Double = 10, _ matches: @escaping @Sendable (String) -> Bool) async throws
        -> String
    {
        let deadline = Date().addingTimeInterval(seconds)
        var seen: [String] = []
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, let line = try await next(within: left) else {
                throw WaitFailure(description: "no matching line; saw: \(seen.suffix(20))")
            }
            if matches(line) { return line }
            seen.append(line)
        }
    }

    /// Reads until the server closes the connection; returns the lines read meanwhile.
    @discardableResult
    package func expectClosed(within seconds: Double = 10) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var seen: [String] = []
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw WaitFailure(description: "still open; saw: \(seen.suffix(20))") }
            guard let line = try await next(within: left) else { return seen }
            seen.append(line)
        }
    }

    /// Every line received so far.
    package var received: [String] {
        get async throws { try await channel.eventLoop.submit { self.inbox.all }.get() }
    }

    /// How many received lines matched `counting`.
    package var counted: Int {
        get async throws { try await channel.eventLoop.submit { self.inbox.matched }.get() }
    }

    /// True once the server closed the connection (or it was closed here).
    package var isClosed: Bool { !channel.isActive }

    package func close() async {
        try? await channel.close()
    }

    /// Collects lines on the event loop and hands them to one waiter at a time.
    private final class Inbox: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = InboundLine

        private(set) var all: [String] = []
        private(set) var matched = 0
        private let counting: (@Sendable (String) -> Bool)?

        init(counting: (@Sendable (String) -> Bool)?) {
            self.counting = counting
        }
        private var cursor = 0
        private var closed = false
        private var waiter: (promise: EventLoopPromise<String?>, timer: Scheduled<Void>)?

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .line(let buffer):
                let line = String(decoding: buffer.readableBytesView, as: UTF8.self)
                if let counting, counting(line) { matched += 1 }
                all.append(line)
            case .overlong(let count): all.append("<overlong \(count)>")
            }
            wake()
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed = true
            wake()
            context.fireChannelInactive()
        }

        func next(within seconds: Double, on loop: EventLoop) -> EventLoopFuture<String?> {
            let promise = loop.makePromise(of: String?.self)
            if cursor < all.count {
                cursor += 1
                promise.succeed(all[cursor - 1])
            } else if closed {
                promise.succeed(nil)
            } else {
                let timer = loop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) { [self] in
                    waiter = nil
                    promise.fail(WaitFailure(description: "no line within \(seconds) s; last lines: \(all.suffix(10))"))
                }
                waiter = (promise, timer)
            }
            return promise.futureResult
        }

        private func wake() {
            guard let (promise, timer) = waiter else { return }
            waiter = nil
            timer.cancel()
            if cursor < all.count {
                cursor += 1
                promise.succeed(all[cursor - 1])
            } else {
                promise.succeed(nil)
            }
        }
    }
}

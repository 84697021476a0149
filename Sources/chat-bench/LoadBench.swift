import ArgumentParser
import ChatModel
import ChatProtocol
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A fan-out load generator in Swift: N clients join a running server (or several nodes of one
/// database, the clients spread over them) in plain mode, S of them
/// send M messages each; every client reads. Each sender stays at most `window` messages ahead of
/// what the first client has received, so the run measures sustainable fan-out. Prints
/// deliveries per second and latency percentiles.
struct LoadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Fan-out load against a running chat-server (plain mode, loopback only).")

    @Option(
        help:
            "Server port on 127.0.0.1; several, comma-separated, for nodes of one database (client i connects to the (i % count)-th)."
    )
    var port: String

    @Option(help: "Clients.")
    var clients = 200

    @Option(help: "Clients that send.")
    var senders = 10

    @Option(help: "Messages per sender.")
    var messages = 500

    @Option(help: "Messages a sender may be ahead of the first receiver.")
    var window = 100

    @Option(help: "Give up after this many seconds.")
    var timeout = 120.0

    func run() async throws {
        let ports = port.split(separator: ",").compactMap { Int($0) }
        guard !ports.isEmpty else { throw ValidationError("--port takes a port number, or several comma-separated") }
        print(
            try await Self.measure(
                ports: ports, clients: clients, senders: senders, messages: messages, window: window, timeout: timeout))
    }

    static func measure(ports: [Int], clients: Int, senders: Int, messages: Int, window: Int, timeout: Double)
        async throws
        -> String
    {
        let expected = clients * senders * messages
        let run = LoadRun(clients: clients, senders: senders, messages: messages, window: window)
        var channels: [Channel] = []
        for index in 0..<clients {
            let receiver = Receiver(index: index, run: run)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 1 << 16)))
                        try channel.pipeline.syncOperations.addHandler(receiver)
                    }
                }
                .connect(host: "127.0.0.1", port: ports[index % ports.count]).get()
            channels.append(channel)
            try await channel.writeAndFlush(ByteBuffer(string: "b\(index)\n"))
        }
        try await run.waitUntilJoined(timeout: timeout)
        run.senders = Array(channels.prefix(senders))
        let started = now()
        for sender in 0..<senders {
            for sequence in 0..<min(window, messages) { run.send(sender: sender, sequence: sequence) }
        }
        let finished = try await run.waitUntilDelivered(expected, timeout: timeout)
        let seconds = finished - started
        for channel in channels { try? await channel.close() }
        let (p50, p99) = percentiles(run.latencies)
        return String(
            format: "load: clients=%d senders=%d messages=%d delivered=%d/%d deliveries/s=%.0f p50=%.2fms p99=%.2fms",
            clients, senders, messages, run.delivered, expected, Double(run.delivered) / seconds, p50, p99)
    }
}

/// Shared state of one load run.
final class LoadRun: @unchecked Sendable {
    let clients: Int
    let sendersCount: Int
    let messages: Int
    let window: Int
    private let lock = NIOLock()
    private var joined = 0
    private var deliveredCount = 0
    private var samples: [Double] = []
    private var waiter: (target: Int, continuation: CheckedContinuation<Double, Never>)?
    private var joinWaiter: CheckedContinuation<Void, Never>?
    var senders: [Channel] = []

    init(clients: Int, senders: Int, messages: Int, window: Int) {
        self.clients = clients
        self.sendersCount = senders
        self.messages = messages
        self.window = window
    }

    var delivered: Int { lock.withLock { deliveredCount } }
    var latencies: [Double] { lock.withLock { samples } }

    func didJoin() {
        lock.withLock {
            joined += 1
            if joined == clients, let waiter = joinWaiter {
                joinWaiter = nil
                waiter.resume()
            }
        }
    }

    func waitUntilJoined(timeout: Double) async throws {
        await withCheckedContinuation { continuation in
            lock.withLock {
                if joined >= clients { continuation.resume() } else { joinWaiter = continuation }
            }
        }
    }

    func record(count: Int, latencies: [Double]) {
        lock.withLock {
            deliveredCount += count
            samples += latencies
            if let waiter, deliveredCount >= waiter.target {
                self.waiter = nil
                waiter.continuation.resume(returning: now())
            }
        }
    }

    func waitUntilDelivered(_ target: Int, timeout: Double) async throws -> Double {
        await withCheckedContinuation { continuation in
            lock.withLock {
                if deliveredCount >= target {
                    continuation.resume(returning: now())
                } else {
                    waiter = (target, continuation)
                }
            }
        }
    }

    func send(sender: Int, sequence: Int) {
        guard sequence < messages else { return }
        let stamp = DispatchTime.now().uptimeNanoseconds
        senders[sender].writeAndFlush(
            ByteBuffer(string: "BENCH \(sender) \(sequence) \(stamp) padding-to-64-bytes-xxxxxxxxxxxx\n"), promise: nil)
    }
}

/// One client's reader: counts deliveries, measures latency, and (client 0) paces the senders.
final class Receiver: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = InboundLine
    let index: Int
    let run: LoadRun
    private var joined = false
    private var count = 0
    private var latencies: [Double] = []

    init(index: Int, run: LoadRun) {
        self.index = index
        self.run = run
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .line(let line) = unwrapInboundIn(data) else { return }
        let text = String(decoding: line.readableBytesView, as: UTF8.self)
        if !joined {
            if text.hasPrefix("Hello ") {
                joined = true
                run.didJoin()
            }
            return
        }
        guard let range = text.range(of: "BENCH ") else { return }
        let fields = text[range.upperBound...].split(separator: " ")
        guard fields.count >= 3, let sender = Int(fields[0]), let sequence = Int(fields[1]),
            let stamp = UInt64(fields[2])
        else { return }
        count += 1
        if count % 4 == 0 { latencies.append(Double(DispatchTime.now().uptimeNanoseconds - stamp) / 1e6) }
        if index == 0 { run.send(sender: sender, sequence: sequence + run.window) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard count > 0 else { return }
        run.record(count: count, latencies: latencies)
        count = 0
        latencies.removeAll(keepingCapacity: true)
    }
}

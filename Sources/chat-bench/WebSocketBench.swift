import ArgumentParser
import ChatProtocol
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The web window's WebSocket against the chat port's JSON lines, on the same `chat-server`
/// process: memory per idle client (the server's RSS with N clients against with 1, from
/// `/proc`), and fan-out (the time one message takes to reach all N; deliveries per second for a
/// burst). Each run starts a fresh server per kind; the sender is a plain TCP client either way.
struct WebSocketBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "websocket",
        abstract: "Idle memory and fan-out of WebSocket clients against TCP JSON clients (spawns chat-server).")

    @Option(help: "Idle clients of each kind.")
    var clients = 1000

    @Option(help: "Single messages timed to reach every client.")
    var rounds = 20

    @Option(help: "Messages in the burst.")
    var burst = 100

    @Option(help: "Runs of each kind (a fresh server each); medians are printed.")
    var runs = 3

    @Option(help: "The chat-server executable (default: next to chat-bench).")
    var server: String?

    @Option(help: "Give up on a wait after this many seconds.")
    var timeout = 120.0

    func run() async throws {
        let executable =
            server
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("chat-server").path
        for line in try await Self.measure(
            executable: executable, clients: clients, rounds: rounds, burst: burst, runs: runs, timeout: timeout)
        {
            print(line)
        }
    }

    /// One kind's figures from one run.
    struct Figures {
        var residentOneKiB: Int
        var residentAllKiB: Int
        var perClientKiB: Double { Double(residentAllKiB - residentOneKiB) / Double(max(clients - 1, 1)) }
        var clients: Int
        var oneMessageMillis: [Double]
        var burstDeliveriesPerSecond: Double
    }

    static func measure(
        executable: String, clients: Int, rounds: Int, burst: Int, runs: Int, timeout: Double
    ) async throws -> [String] {
        var results: [BenchClient.Kind: [Figures]] = [:]
        for _ in 0..<runs {
            for kind in [BenchClient.Kind.tcpJSON, .webSocket] {
                let figures = try await measure(
                    kind, executable: executable, clients: clients, rounds: rounds, burst: burst, timeout: timeout)
                results[kind, default: []].append(figures)
            }
        }
        func median(_ values: [Double]) -> Double { percentiles(values).p50 }
        func describe(_ kind: BenchClient.Kind) -> (perClient: Double, one: Double, oneP99: Double, burst: Double) {
            let figures = results[kind] ?? []
            let perClient = median(figures.map(\.perClientKiB))
            let one = median(figures.map { percentiles($0.oneMessageMillis).p50 })
            let oneP99 = median(figures.map { percentiles($0.oneMessageMillis).p99 })
            let burst = median(figures.map(\.burstDeliveriesPerSecond))
            return (perClient, one, oneP99, burst)
        }
        let tcp = describe(.tcpJSON)
        let web = describe(.webSocket)
        func list(_ kind: BenchClient.Kind, _ value: (Figures) -> String) -> String {
            (results[kind] ?? []).map(value).joined(separator: "/")
        }
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        let memory =
            "FIGURE websocket-memory: clients=\(clients) runs=\(runs) per idle client: "
            + "tcp_json=\(f(tcp.perClient)) KiB (runs \(list(.tcpJSON) { f($0.perClientKiB) })) "
            + "websocket=\(f(web.perClient)) KiB (runs \(list(.webSocket) { f($0.perClientKiB) })) "
            + "RATIO websocket/tcp_json=\(f(web.perClient / max(tcp.perClient, 1e-9), 2)) (goal <= 2)"
        let resident =
            "FIGURE websocket-rss: server VmRSS KiB with 1 -> \(clients) clients: "
            + "tcp_json \(list(.tcpJSON) { "\($0.residentOneKiB)->\($0.residentAllKiB)" }), "
            + "websocket \(list(.webSocket) { "\($0.residentOneKiB)->\($0.residentAllKiB)" })"
        let fanout =
            "FIGURE websocket-fanout: clients=\(clients) rounds=\(rounds) one message to all: "
            + "tcp_json p50=\(f(tcp.one, 2))ms p99=\(f(tcp.oneP99, 2))ms "
            + "websocket p50=\(f(web.one, 2))ms p99=\(f(web.oneP99, 2))ms "
            + "RATIO websocket/tcp_json=\(f(web.one / max(tcp.one, 1e-9), 2))"
        let burstLine =
            "FIGURE websocket-burst: clients=\(clients) burst=\(burst) deliveries/s: "
            + "tcp_json=\(f(tcp.burst, 0)) (runs \(list(.tcpJSON) { f($0.burstDeliveriesPerSecond, 0) })) "
            + "websocket=\(f(web.burst, 0)) (runs \(list(.webSocket) { f($0.burstDeliveriesPerSecond, 0) })) "
            + "RATIO websocket/tcp_json=\(f(web.burst / max(tcp.burst, 1e-9), 2))"
        return [memory, resident, fanout, burstLine]
    }

    /// One kind on a fresh server: idle memory, then fan-out to the same clients.
    static func measure(
        _ kind: BenchClient.Kind, executable: String, clients: Int, rounds: Int, burst: Int, timeout: Double
    ) async throws -> Figures {
        let scratch = Scratch()
        defer { scratch.remove() }
        let server = try SpawnedServer(
            executable: executable,
            arguments: [
                "--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--database", scratch.file("bench.sqlite"),
                "--history", "0", "--rate", "0", "--max-clients", "\(clients + 10)", "--log-level", "error",
            ],
            log: scratch.file("server.log"))
        defer { server.stop() }
        let tally = Tally()
        let port = kind == .webSocket ? server.httpPort : server.port
        var channels: [Channel] = []
        defer { for channel in channels { channel.close(promise: nil) } }
        channels.append(try await BenchClient.connect(kind, port: port, index: 0, tally: tally))
        try await tally.waitJoined(1, timeout: timeout)
        try await Task.sleep(for: .milliseconds(500))
        let residentOne = server.residentKiB
        var index = 1
        while index < clients {
            // At most 16 connecting at once: the server admits at least that many newcomers.
            let batch = min(16, clients - index)
            try await withThrowingTaskGroup(of: Channel.self) { group in
                for offset in 0..<batch {
                    let number = index + offset
                    group.addTask { try await BenchClient.connect(kind, port: port, index: number, tally: tally) }
                }
                for try await channel in group { channels.append(channel) }
            }
            index += batch
            try await tally.waitJoined(index, timeout: timeout)
        }
        // Let the join storm drain (each join goes to everyone before it), then read the RSS.
        var previous = -1
        var residentAll = server.residentKiB
        for _ in 0..<20 where residentAll != previous {
            try await Task.sleep(for: .milliseconds(250))
            previous = residentAll
            residentAll = server.residentKiB
        }
        // Fan-out: a plain sender; every client counts the messages that reach it.
        let sender = try await BenchClient.connectSender(port: server.port)
        defer { sender.close(promise: nil) }
        var oneMessage: [Double] = []
        var target = 0
        for round in 0..<rounds {
            target += clients
            let started = now()
            try await sender.writeAndFlush(ByteBuffer(string: "BENCH one \(round)\n"))
            oneMessage.append((try await tally.waitDelivered(target, timeout: timeout) - started) * 1000)
        }
        target += clients * burst
        let started = now()
        var lines = ""
        for sequence in 0..<burst { lines += "BENCH burst \(sequence)\n" }
        try await sender.writeAndFlush(ByteBuffer(string: lines))
        let finished = try await tally.waitDelivered(target, timeout: timeout)
        return Figures(
            residentOneKiB: residentOne, residentAllKiB: residentAll, clients: clients,
            oneMessageMillis: oneMessage, burstDeliveriesPerSecond: Double(clients * burst) / (finished - started))
    }
}

/// A `chat-server` process with `--http-port`: its ports from what it prints, its RSS from `/proc`.
final class SpawnedServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    let httpPort: Int

    init(executable: String, arguments: [String], log: String) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        func port(after prefix: String) -> Int? {
            for line in text.split(separator: "\n") {
                guard let range = line.range(of: prefix) else { continue }
                let digits = line[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            return nil
        }
        while port(after: "listening on 127.0.0.1:") == nil || port(after: "web on http://127.0.0.1:") == nil {
            guard Date() < deadline, process.isRunning else {
                process.terminate()
                throw BenchFailure("\(executable) did not start with a web port; it printed: \(text)")
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let chat = port(after: "listening on 127.0.0.1:"), let web = port(after: "web on http://127.0.0.1:")
        else {
            process.terminate()
            throw BenchFailure("\(executable) printed no ports: \(text)")
        }
        self.port = chat
        self.httpPort = web
    }

    /// Resident memory now, in KiB (`VmRSS` of `/proc/PID/status`).
    var residentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        }
        return -1
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// A benchmark that could not finish, and why.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Counts joins and deliveries across every client; waits resume when a count is reached.
final class Tally: @unchecked Sendable {
    private let lock = NIOLock()
    private var joined = 0
    private var delivered = 0
    private var waiters: [(joins: Bool, target: Int, continuation: CheckedContinuation<Double?, Never>)] = []

    func didJoin() { bump(joins: true, by: 1) }

    func didDeliver(_ count: Int) { bump(joins: false, by: count) }

    private func bump(joins: Bool, by count: Int) {
        let ready: [CheckedContinuation<Double?, Never>] = lock.withLock {
            if joins { joined += count } else { delivered += count }
            let value = joins ? joined : delivered
            let ready = waiters.filter { $0.joins == joins && value >= $0.target }.map { $0.continuation }
            waiters.removeAll { $0.joins == joins && value >= $0.target }
            return ready
        }
        let time = now()
        for continuation in ready { continuation.resume(returning: time) }
    }

    func waitJoined(_ target: Int, timeout: Double) async throws {
        _ = try await wait(joins: true, target, timeout: timeout)
    }

    /// The moment the count reached `target`.
    func waitDelivered(_ target: Int, timeout: Double) async throws -> Double {
        try await wait(joins: false, target, timeout: timeout)
    }

    private func wait(joins: Bool, _ target: Int, timeout: Double) async throws -> Double {
        let expiry = Task {
            try await Task.sleep(for: .seconds(timeout))
            self.expire()
        }
        defer { expiry.cancel() }
        let time = await withCheckedContinuation { (continuation: CheckedContinuation<Double?, Never>) in
            let done: Bool = lock.withLock {
                if (joins ? joined : delivered) >= target { return true }
                waiters.append((joins, target, continuation))
                return false
            }
            if done { continuation.resume(returning: now()) }
        }
        guard let time else {
            let (joinedCount, deliveredCount) = lock.withLock { (self.joined, self.delivered) }
            throw BenchFailure(
                "timed out after \(timeout) s waiting for \(target) \(joins ? "joins" : "deliveries"): joined \(joinedCount), delivered \(deliveredCount)"
            )
        }
        return time
    }

    private func expire() {
        let all = lock.withLock {
            let all = waiters.map { $0.continuation }
            waiters.removeAll()
            return all
        }
        for continuation in all { continuation.resume(returning: nil) }
    }
}

/// The bench's clients: a TCP JSON-lines member, or a WebSocket member framed by hand (masked
/// text frames out, frames parsed in), each counting its join (the welcome) and the messages
/// marked `BENCH ` that reach it.
enum BenchClient {
    enum Kind: Hashable { case tcpJSON, webSocket }

    static func connect(_ kind: Kind, port: Int, index: Int, tally: Tally) async throws -> Channel {
        let hello = ClientMessage.hello(name: "b\(index)").json
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        switch kind {
        case .tcpJSON:
            let channel =
                try await bootstrap.channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 1 << 16)))
                        try channel.pipeline.syncOperations.addHandler(LineCounter(tally: tally))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            try await channel.writeAndFlush(ByteBuffer(string: hello + "\n"))
            return channel
        case .webSocket:
            let channel =
                try await bootstrap.channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(FrameCounter(tally: tally, hello: hello))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            try await channel.writeAndFlush(
                ByteBuffer(
                    string: "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"))
            return channel
        }
    }

    /// A plain client that sends the marked lines and discards what it reads.
    static func connectSender(port: Int) async throws -> Channel {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: "bench-sender\n"))
        return channel
    }

    static let marker = Array("BENCH ".utf8)
    static let welcome = Array(#""type":"welcome""#.utf8)

    static func contains(_ haystack: ByteBufferView, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var start = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while start <= last {
            if haystack[start] == needle[0],
                haystack[start..<start + needle.count].elementsEqual(needle)
            {
                return true
            }
            start += 1
        }
        return false
    }

    /// Counts a TCP JSON member's join and deliveries.
    final class LineCounter: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = InboundLine
        private let tally: Tally
        private var joined = false
        private var count = 0

        init(tally: Tally) {
            self.tally = tally
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .line(let line) = unwrapInboundIn(data) else { return }
            if !joined {
                if BenchClient.contains(line.readableBytesView, BenchClient.welcome) {
                    joined = true
                    tally.didJoin()
                }
            } else if BenchClient.contains(line.readableBytesView, BenchClient.marker) {
                count += 1
            }
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            guard count > 0 else { return }
            tally.didDeliver(count)
            count = 0
        }
    }

    /// A WebSocket member: reads the 101, sends hello as a masked text frame, then parses frames.
    final class FrameCounter: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private let tally: Tally
        private let hello: String
        private var buffer = ByteBuffer()
        private var upgraded = false
        private var joined = false
        private var count = 0

        init(tally: Tally, hello: String) {
            self.tally = tally
            self.hello = hello
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            buffer.writeBuffer(&incoming)
            if !upgraded {
                let view = buffer.readableBytesView
                guard let end = view.firstRange(of: [13, 10, 13, 10]) else { return }
                let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
                guard head.hasPrefix("HTTP/1.1 101") else {
                    context.close(promise: nil)
                    return
                }
                buffer.moveReaderIndex(to: end.upperBound)
                upgraded = true
                context.writeAndFlush(NIOAny(ByteBuffer(bytes: Self.maskedText(Array(hello.utf8)))), promise: nil)
            }
            while let payload = nextFrame() {
                if !joined {
                    if BenchClient.contains(payload.readableBytesView, BenchClient.welcome) {
                        joined = true
                        tally.didJoin()
                    }
                } else if BenchClient.contains(payload.readableBytesView, BenchClient.marker) {
                    count += 1
                }
            }
            buffer.discardReadBytes()
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            guard count > 0 else { return }
            tally.didDeliver(count)
            count = 0
        }

        /// The next whole frame's payload (the server's frames are unmasked and unfragmented).
        private func nextFrame() -> ByteBuffer? {
            guard buffer.readableBytes >= 2, let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)
            else { return nil }
            var header = 2
            var length = Int(second & 0x7F)
            if length == 126 {
                guard let long = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self) else { return nil }
                length = Int(long)
                header = 4
            } else if length == 127 {
                guard let long = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt64.self) else { return nil }
                length = Int(long)
                header = 10
            }
            guard buffer.readableBytes >= header + length else { return nil }
            buffer.moveReaderIndex(forwardBy: header)
            return buffer.readSlice(length: length)
        }

        static func maskedText(_ payload: [UInt8]) -> [UInt8] {
            var bytes: [UInt8] = [0x81]
            if payload.count < 126 {
                bytes.append(0x80 | UInt8(payload.count))
            } else {
                bytes += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
            }
            let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
            bytes += key
            bytes += payload.enumerated().map { $0.element ^ key[$0.offset & 3] }
            return bytes
        }
    }
}

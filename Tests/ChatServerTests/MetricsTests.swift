import ChatServer
import ChatTestSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// `--metrics-port`: Prometheus text at `/metrics` that Python's `prometheus_client` parses and
/// whose counters are what the test did; `/health`; one registry per server.
@Suite("Metrics: /metrics and /health on their own port", .timeLimit(.minutes(2)))
struct MetricsTests {
    static let password = "correct horse battery"

    @Test("/metrics parses with prometheus_client and counts what the clients did")
    func countersMatch() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("chat.sqlite")
        try addAccount("alice", password: Self.password, database: database)
        var configuration = ServerConfiguration.testing(database: database)
        configuration.metricsPort = 0
        try await withServer(configuration) { server in
            let port = try #require(server.metricsPort)
            let ann = try await TestClient.join(port: server.port, as: "ann")
            let bob = try await TestClient.join(port: server.port, as: "bob")
            let zed = try await TestClient.connect(port: server.port)
            try await zed.send(#"{"type":"hello","protocol":1,"name":"zed"}"#)
            try await zed.expect { $0.contains(#""type":"welcome""#) }
            // A wrong password, then the connection is dropped.
            let mallory = try await TestClient.connect(port: server.port)
            try await mallory.send("alice")
            try await mallory.expect { $0.hasPrefix("alice is a registered name") }
            try await mallory.send("not the password")
            try await mallory.expect { $0.hasPrefix("error: wrong password") }
            await mallory.close()
            let messages = 7
            for index in 1...messages { try await ann.send("message \(index)") }
            try await bob.expect { $0 == "ann: message \(messages)" }
            // After ann's, so that bob reads them in this order.
            try await zed.send(#"{"type":"say","text":"from zed"}"#)
            try await bob.expect { $0 == "zed: from zed" }
            try await bob.send("/quit")
            _ = try await bob.expectClosed()

            var samples = Samples()
            try await eventually("the leaves counted; last scrape: \(samples)") {
                samples = try await Samples.scrape(port: port)
                return samples["chatroom_disconnects_total", ["reason": "quit"]] == 1
                    && samples["chatroom_disconnects_total", ["reason": "connection_lost"]] == 1
            }
            #expect(samples["chatroom_connections_total", ["door": "plain"]] == 3)
            #expect(samples["chatroom_connections_total", ["door": "json"]] == 1)
            #expect(samples["chatroom_connections_total", ["door": "irc"]] == 0)
            #expect(samples["chatroom_connections", ["door": "plain"]] == 1)
            #expect(samples["chatroom_connections", ["door": "json"]] == 1)
            #expect(samples["chatroom_disconnects_total", ["reason": "too_slow"]] == 0)
            #expect(samples["chatroom_events_committed_total", ["kind": "message"]] == Double(messages + 1))
            #expect(samples["chatroom_events_committed_total", ["kind": "join"]] == 3)
            #expect(samples["chatroom_events_committed_total", ["kind": "leave"]] == 1)
            // Every event in some batch; one commit time and at least one delivery per batch.
            let batches = try #require(samples["chatroom_commit_batch_size_events_count"])
            #expect(samples["chatroom_commit_batch_size_events_sum"] == Double(messages + 1 + 3 + 1))
            #expect(batches >= 1 && batches <= Double(messages + 5))
            #expect(samples["chatroom_commit_duration_seconds_count"] == batches)
            #expect((samples["chatroom_delivery_latency_seconds_count"] ?? 0) >= 1)
            #expect(samples["chatroom_login_failures_total", ["reason": "wrong_password"]] == 1)
            #expect(samples["chatroom_resume_gaps_total"] == 0)
            #expect(samples["chatroom_rate_limit_delays_total"] == 0)
            #expect(samples["chatroom_rooms"] == 1)
            #expect(samples["chatroom_members"] == 2)
            #expect((samples["chatroom_database_bytes"] ?? 0) > 0)
            #expect(samples["chatroom_outbound_queue_bytes"] != nil)
            #expect(samples["chatroom_search_index_lag_events"] != nil)
            #expect(samples.families.allSatisfy { $0.hasPrefix("chatroom_") }, "\(samples.families)")
            await ann.close()
            await zed.close()
        }
    }

    @Test("connections by door (IRC, WebSocket, plain), a resume gap and a rate-limit delay are counted")
    func doorsGapsAndDelays() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var configuration = ServerConfiguration.testingIRC(database: dir.file("chat.sqlite"))
        configuration.httpPort = 0
        configuration.metricsPort = 0
        configuration.messagesPerSecond = 5
        configuration.messageBurst = 1
        try await withServer(configuration) { server in
            let (port, web, ircPort) = (
                try #require(server.metricsPort), try #require(server.httpPort), try #require(server.ircPort)
            )
            let irc = try await IRCTestClient.connect(port: ircPort)
            try await irc.send("NICK ivy")
            try await irc.send("USER ivy 0 * :Ivy")
            _ = try await irc.expect { $0.command == "001" }
            // A resume from past the end of the record (another database's): told of a gap.
            let page = try await WebSocketTestClient.connect(port: web)
            _ = try await page.hello("page", resumeAfter: 1_000_000)
            let ann = try await TestClient.join(port: server.port, as: "ann")
            try await ann.send("one")
            try await ann.send("two")
            try await ann.expect { $0 == "ann: two" }
            let samples = try await Samples.scrape(port: port)
            for door in ["irc", "websocket", "plain"] {
                #expect(samples["chatroom_connections_total", ["door": door]] == 1, "\(door)")
                #expect(samples["chatroom_connections", ["door": door]] == 1, "\(door)")
            }
            #expect(samples["chatroom_connections_total", ["door": "json"]] == 0)
            #expect(samples["chatroom_resume_gaps_total"] == 1)
            #expect((samples["chatroom_rate_limit_delays_total"] ?? 0) >= 1)
            await irc.close()
            await page.close()
            await ann.close()
        }
    }

    @Test("/health is 200 while running and 503 while stopping; other paths 404, other methods 405")
    func healthAndPaths() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let server = try await RunningServer(database: dir.file("chat.sqlite")) {
            $0.metricsPort = 0
            $0.shutdownGraceSeconds = 10
        }
        let port = try #require(server.server.metricsPort)
        let health = try await HTTPGet.fetch(port: port, path: "/health")
        #expect(health.status == 200)
        #expect(health.body.contains(#""status":"ok""#) && health.body.contains(#""store":"writable""#))
        let metrics = try await HTTPGet.fetch(port: port, path: "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.head.lowercased().contains("content-type: text/plain; version=0.0.4"))
        #expect(try await HTTPGet.fetch(port: port, path: "/nothing-here").status == 404)
        #expect(try await HTTPGet.fetch(port: port, path: "/metrics", method: "POST").status == 405)
        // A member that does not close when told: the server stays stopping until it does.
        let stays = try await TestClient.join(port: server.port, as: "stays", staysOpen: true)
        server.server.beginShutdown()
        let stopping = try await HTTPGet.fetch(port: port, path: "/health")
        #expect(stopping.status == 503)
        #expect(stopping.body.contains(#""status":"stopping""#))
        await stays.close()
        try await server.stop()
    }

    @Test("two servers in one process keep their own counts")
    func twoServersApart() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let first = try await RunningServer(database: dir.file("one.sqlite")) { $0.metricsPort = 0 }
        let second = try await RunningServer(database: dir.file("two.sqlite")) { $0.metricsPort = 0 }
        for (server, count) in [(first, 2), (second, 5)] {
            let client = try await TestClient.join(port: server.port, as: "ann")
            for index in 1...count { try await client.send("hi \(index)") }
            try await client.expect { $0 == "ann: hi \(count)" }
            await client.close()
        }
        for (server, count) in [(first, 2), (second, 5)] {
            let samples = try await Samples.scrape(port: try #require(server.server.metricsPort))
            #expect(samples["chatroom_events_committed_total", ["kind": "message"]] == Double(count))
            #expect(samples["chatroom_connections_total", ["door": "plain"]] == 1)
        }
        try await first.stop()
        try await second.stop()
    }
}

/// One answer of a plain HTTP/1.1 GET over a real socket: the status, the head, the body.
struct HTTPGet {
    var status: Int
    var head: String
    var body: String

    /// Sends `method path` and reads until the server closes (at most 10 s).
    static func fetch(port: Int, path: String, method: String = "GET") async throws -> HTTPGet {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
        let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        try await channel.closeFuture.get()
        timeout.cancel()
        let text = collector.text
        guard let split = text.range(of: "\r\n\r\n"),
            let status = Int(text.split(separator: " ").dropFirst().first ?? "")
        else { throw WaitFailure(description: "not an HTTP answer: \(text.prefix(200).debugDescription)") }
        return HTTPGet(status: status, head: String(text[..<split.lowerBound]), body: String(text[split.upperBound...]))
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let bytes = NIOLockedValueBox<[UInt8]>([])

        var text: String { String(decoding: bytes.withLockedValue { $0 }, as: UTF8.self) }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
        }
    }
}

/// `/metrics` as Python's `prometheus_client` parser reads it: every sample's name, labels and
/// value. Without the parser the test fails (never skips): `pip install prometheus-client`.
struct Samples: CustomStringConvertible, Sendable {
    struct Sample: Decodable, Sendable {
        var name: String
        var labels: [String: String]
        var value: Double
        var family: String
    }
    var samples: [Sample] = []

    var families: Set<String> { Set(samples.map(\.family)) }

    subscript(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    var description: String {
        samples.filter { !$0.name.hasSuffix("_bucket") }.map { "\($0.name)\($0.labels)=\($0.value)" }
            .joined(separator: " ")
    }

    static let script = """
        from json import dump
        from sys import exit, stderr, stdin, stdout
        try:
            from prometheus_client.parser import text_string_to_metric_families
        except ImportError:
            stderr.write("the Python module prometheus_client is missing: pip install prometheus-client\\n")
            exit(3)
        samples = [{"name": s.name, "labels": s.labels, "value": s.value, "family": f.name}
                   for f in text_string_to_metric_families(stdin.read()) for s in f.samples]
        dump(samples, stdout)
        """

    /// GETs `/metrics` on `port` and parses it.
    static func scrape(port: Int) async throws -> Samples {
        let answer = try await HTTPGet.fetch(port: port, path: "/metrics")
        guard answer.status == 200 else { throw WaitFailure(description: "/metrics answered \(answer.status)") }
        return try parse(answer.body)
    }

    static func parse(_ text: String) throws -> Samples {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let (input, output, errors) = (Pipe(), Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let json = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw WaitFailure(description: "prometheus_client could not parse /metrics: \(problem)\n\(text)")
        }
        return Samples(samples: try JSONDecoder().decode([Sample].self, from: json))
    }
}

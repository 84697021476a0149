import ArgumentParser
import ChatModel
import ChatServer
import ChatStore
import Foundation
import Logging

/// Time from start to accepting, with a large database against an empty one.
struct StartupBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "startup", abstract: "Start-up time to accepting with a large database, against an empty one.")

    @Option(help: "Events in the large database.")
    var events = 1_000_000

    func run() async throws {
        print(try await Self.measure(events: events))
    }

    static func measure(events: Int) async throws -> String {
        let scratch = Scratch()
        defer { scratch.remove() }
        let empty = try await startSeconds(scratch.file("empty.sqlite"))
        let large = scratch.file("large.sqlite")
        try await HistoryBench.fill(large, from: 0, to: events)
        let full = try await startSeconds(large)
        return String(
            format: "startup: events=%d to_accepting=%.1fms empty_db=%.1fms RATIO large/empty=%.2f", events,
            full * 1000,
            empty * 1000, full / empty)
    }

    /// Seconds from opening the database to accepting connections, then shuts down.
    static func startSeconds(_ path: String) async throws -> Double {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, databasePath: path)
        configuration.history = 50
        let started = now()
        let listening = AsyncStream<Double>.makeStream()
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let server = try await ChatServer(configuration: configuration, logger: logger) { _ in
            listening.continuation.yield(now())
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = listening.stream.makeAsyncIterator()
            let accepting = await iterator.next() ?? now()
            server.beginShutdown()
            try await group.waitForAll()
            return accepting - started
        }
    }
}

import ArgumentParser
import ChatServer
import Foundation
import Logging

/// Every benchmark at a tiny size, so CI keeps them working. Prints figures; asserts nothing.
struct SmokeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "smoke", abstract: "All benchmarks, tiny, for CI.")

    func run() async throws {
        print(try await StoreBench.measure(events: 5000, producers: 4, runs: 1))
        for line in try await HistoryBench.measure(sizes: [1000, 5000], queries: 50) { print(line) }
        let rooms = Scratch()
        defer { rooms.remove() }
        for line in try await RoomsHistoryBench.measure(
            path: rooms.file("rooms.sqlite"), events: 5000, rooms: 10, queries: 50)
        {
            print(line)
        }
        print(try await ExportBench.measure(events: 5000))
        print(try await StartupBench.measure(events: 5000))
        let search = try SearchBench.parse([
            "--events", "5000", "--queries", "20", "--write-events", "2000", "--runs", "1",
        ])
        try await search.run()
        let scratch = Scratch()
        defer { scratch.remove() }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let server = try await ChatServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, databasePath: scratch.file("load.sqlite")),
            logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            print(
                try await LoadBench.measure(
                    ports: [server.port], clients: 20, senders: 2, messages: 50, window: 20, timeout: 30))
            server.beginShutdown()
            try await group.waitForAll()
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("chat-server").path
        for line in try await WebSocketBench.measure(
            executable: executable, clients: 20, rounds: 5, burst: 10, runs: 1, timeout: 30)
        {
            print(line)
        }
    }
}

import ChatServer
import ChatTestSupport
import Testing

/// `--metrics-port` on a PostgreSQL node: its writer's commits are counted as on SQLite, and the
/// database's size is asked when scraped.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresMetricsTests {
    @Test(
        "/metrics of a PostgreSQL node counts the events it committed, its batches and their time, and the database size"
    )
    func commitsCounted() async throws {
        let address = try await freshDatabase()
        let node = try await RunningServer(database: "", logLevel: .warning) {
            $0.database = .postgres(address)
            $0.metricsPort = 0
        }
        try await withNodes([node]) {
            let ann = try await TestClient.join(port: node.port, as: "ann")
            for index in 1...5 { try await ann.send("message \(index)") }
            try await ann.expect { $0 == "ann: message 5" }
            let scrape = try await TestClient.connect(port: try #require(node.server.metricsPort))
            try await scrape.send(
                bytes: Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
            let lines = try await scrape.expectClosed()
            #expect(lines.contains(#"chatroom_events_committed_total{kind="message"} 5"#))
            let batches = lines.first { $0.hasPrefix("chatroom_commit_batch_size_events_count ") }
            let timed = lines.first { $0.hasPrefix("chatroom_commit_duration_seconds_count ") }
            #expect(batches.flatMap { Int($0.split(separator: " ")[1]) } ?? 0 >= 1, "\(lines)")
            #expect(timed?.split(separator: " ").last == batches?.split(separator: " ").last)
            // The database's size, asked when scraped: some MB for an empty record's tables and indexes.
            let size = lines.first { $0.hasPrefix("chatroom_database_bytes ") }?.split(separator: " ").last
            #expect(size.flatMap { Double($0) } ?? 0 > 1_000_000, "\(lines)")
        }
    }
}

import ChatModel
import ChatProtocol
import ChatServer
import ChatStore
import ChatStorePostgres
import ChatTestSupport
import Foundation

/// A chat-server node in this process on the PostgreSQL database at `address`; its warnings
/// (a follower connecting again, completions it was slow to release) go to the test's output.
func startNode(_ address: PostgresAddress) async throws -> RunningServer {
    try await RunningServer(database: "", logLevel: .warning) { $0.database = .postgres(address) }
}

/// Two `chat-server` processes on the database at `address` (their logs in a temporary
/// directory), for `body`; any still running afterwards is killed.
func withTwoProcessNodes<T>(
    _ address: PostgresAddress, _ body: (ServerProcess, ServerProcess) async throws -> T
) async throws -> T {
    let logs = TemporaryDirectory()
    defer { logs.remove() }
    let a = try ServerProcess(database: "\(address)", logNextTo: logs.file("a"))
    defer { if a.isRunning { a.kill9() } }
    let b = try ServerProcess(database: "\(address)", logNextTo: logs.file("b"))
    defer { if b.isRunning { b.kill9() } }
    return try await body(a, b)
}

/// A JSON-lines client, as a raw line client: sends its hello and waits for the welcome.
func jsonJoin(port: Int, as name: String, resumeAfter: Int64? = nil) async throws -> TestClient {
    let client = try await TestClient.connect(port: port)
    try await client.send(ClientMessage.hello(name: name, resumeAfter: resumeAfter).json)
    try await client.expect { $0.contains(#""type":"welcome""#) }
    return client
}

/// The event a JSON line carries, nil for any other line.
func jsonEvent(_ line: String) -> Event? {
    guard case .event(let event, _) = try? ServerMessage.decode(Array(line.utf8)) else { return nil }
    return event
}

/// Reads `client`'s lines until `count` of them matched `matches`, and returns those.
func collect(
    _ count: Int, from client: TestClient, within seconds: Double = 20,
    _ matches: @escaping @Sendable (String) -> Bool
) async throws -> [String] {
    var found: [String] = []
    while found.count < count {
        found.append(try await client.expect(within: seconds, matches))
    }
    return found
}

/// Every event of the record at `address`, in id order.
func recordedEvents(at address: PostgresAddress) async throws -> [Event] {
    let store = try await PostgresEventStore(address: address)
    let reader = store.reader()
    var events: [Event] = []
    while true {
        let page = try await reader.events(after: events.last?.id ?? 0, limit: 1000)
        events += page
        if page.count < 1000 { break }
    }
    await reader.close()
    return events
}

/// `user: text` of each message event.
func plainLines(_ events: [Event]) -> [String] {
    events.filter { $0.kind == .message }.map { "\($0.user): \($0.text)" }
}

/// Stops `nodes`, whatever happened in `body`.
func withNodes<T>(_ nodes: [RunningServer], _ body: () async throws -> T) async throws -> T {
    do {
        let result = try await body()
        for node in nodes { try await stop(node) }
        return result
    } catch {
        for node in nodes { try? await stop(node) }
        throw error
    }
}

/// Stops `node` gracefully; fails (leaving it behind) when that takes more than `seconds`.
func stop(_ node: RunningServer, within seconds: Double = 30) async throws {
    let stopped = Locked<(done: Bool, failure: (any Error)?)>((false, nil))
    Task {
        do {
            try await node.stop()
            stopped.withLock { $0.done = true }
        } catch {
            stopped.withLock { $0 = (true, error) }
        }
    }
    try await eventually(within: seconds, "the node to stop") { stopped.withLock { $0.done } }
    if let failure = stopped.withLock({ $0.failure }) { throw failure }
}

/// The median of `values` (0 when empty).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

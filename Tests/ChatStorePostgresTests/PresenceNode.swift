import ChatModel
import ChatStore
import ChatStorePostgres

/// One node of a presence test: a store with a session, and its presence (started).
struct PresenceNode {
    let store: PostgresEventStore
    let writer: PostgresEventWriter
    let presence: PostgresPresence

    var session: Int64 { writer.session }

    /// A node whose loop heartbeats and reaps every `heartbeat`; by default slow enough that a
    /// busy test machine never has a live node reaped.
    static func start(
        _ address: PostgresAddress, heartbeat: Duration = .seconds(2), deadAfter: Duration = .seconds(10),
        onReaped: @escaping @Sendable () -> Void = {}
    ) async throws -> PresenceNode {
        let (store, writer) = try await node(address)
        let presence = store.presence(
            session: writer.session, heartbeat: heartbeat, deadAfter: deadAfter, onReaped: onReaped)
        try await presence.start()
        return PresenceNode(store: store, writer: writer, presence: presence)
    }

    /// Claims `name` for `connection` and puts it in `rooms`, in that order.
    func admit(_ connection: Int64, as name: String, rooms: [String] = []) async throws {
        guard try await presence.claim(connection, as: name) == .granted else {
            throw ClusterError("\(name) is taken")
        }
        for room in rooms { try await presence.enter(connection, room: room) }
    }

    /// A clean stop of the node: its presence, then its session.
    func close() async throws {
        try await presence.close()
        try await store.close()
    }
}

/// Set once, and waited for with a bound (a signal, not a poll).
final class Flag: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let raised = Locked(0)

    init() {
        (stream, continuation) = AsyncStream.makeStream()
    }

    /// How many times it was raised.
    var count: Int { raised.withLock { $0 } }

    func raise() {
        raised.withLock { $0 += 1 }
        continuation.yield()
    }

    /// Whether it was raised within `timeout`.
    func wait(timeout: Duration) async -> Bool {
        if count > 0 { return true }
        let stream = stream
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || count > 0
        }
    }
}

/// Plain functions for `#expect` (no closures inside it).
func grantedCount(_ claims: [PostgresPresence.Claim]) -> Int { claims.filter { $0 == .granted }.count }
func names(_ present: [PostgresPresence.PresentName]) -> [String] { present.map(\.name) }
func sessionsOf(_ present: [PostgresPresence.PresentName]) -> [Int64] { present.map(\.session) }
func sessions(_ events: [Event]) -> [Int64] { events.map(\.session) }
func connections(_ events: [Event]) -> [Int64?] { events.map(\.connection) }
func users(_ events: [Event]) -> [String] { events.map(\.user) }
func rooms(_ events: [Event]) -> [String] { events.map(\.room) }
func isLostLeave(_ event: Event) -> Bool { event.kind == .leave && event.reason == .connectionLost }
func lostLeaves(_ events: [Event]) -> [Event] { events.filter(isLostLeave) }

import ChatModel
import ChatStore
import ChatStorePostgres
import Testing

/// Why the PostgreSQL suites may be skipped: they start a cluster of their own, and need its
/// binaries (Debian's `postgresql`, which `.ci/run` installs).
let postgresMissing: Comment =
    "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or PATH): apt-get install postgresql"

/// A fresh database on the suite's cluster, for one test.
func freshDatabase() async throws -> PostgresAddress {
    let cluster = try #require(PostgresCluster.current)
    return try await cluster.makeDatabase()
}

/// A store on `address` with a session started, as one node.
func node(
    _ address: PostgresAddress, onCommit: @escaping @Sendable ([Event]) -> Void = { _ in }
) async throws -> (PostgresEventStore, PostgresEventWriter) {
    let store = try await PostgresEventStore(address: address)
    let writer = try await store.startSession(host: "127.0.0.1", port: 7070, version: "test", onCommit: onCommit)
    return (store, writer)
}

func message(_ user: String, _ text: String, room: String = Room.defaultName) -> NewEvent {
    NewEvent(kind: .message, room: room, user: user, text: text)
}

// Plain functions for `#expect`: closures (and key paths as functions) inside it crash the 6.3 compiler.

func ids(_ events: [Event]) -> [Int64] { events.map(\.id) }
func texts(_ events: [Event]) -> [String] { events.map(\.text) }
func idRange(_ range: ClosedRange<Int64>) -> [Int64] { Array(range) }

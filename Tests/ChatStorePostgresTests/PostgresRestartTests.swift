import ChatModel
import ChatStore
import ChatStorePostgres
import Testing

/// Stops and starts its cluster: a suite of its own, so no other test sees the server down.
@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresRestartTests {
    @Test("while the database is down appends fail with .unavailable, naming it without the password; after, they work")
    func databaseRestart() async throws {
        let cluster = try #require(PostgresCluster.current)
        var address = try await cluster.makeDatabase()
        address.password = "not-to-be-logged"  // trust authentication ignores it
        let (store, writer) = try await node(address)
        #expect(try await writer.append(message("alice", "before")).id == 1)

        try cluster.stopServer()
        var failure: StoreError?
        do {
            _ = try await writer.append(message("alice", "while down"))
        } catch {
            failure = error
        }
        let error = try #require(failure)
        #expect(error.kind == .unavailable)
        #expect(error.description.contains("cannot be reached"))
        #expect(error.description.contains("127.0.0.1:\(cluster.port)"))
        #expect(!error.description.contains("not-to-be-logged"))
        #expect(writer.lastFailure?.kind == .unavailable)

        try cluster.startServer()
        let after = try await writer.append(message("alice", "after"))
        #expect(after.id == 2)  // the failed batch took no id
        #expect(writer.lastFailure == nil)
        let reader = store.reader()
        let texts = try await reader.events(after: 0, limit: 10).map(\.text)
        #expect(texts == ["before", "after"])
        await reader.close()
        try await store.close()
    }
}

import ChatModel
import ChatStore
import ChatStorePostgres
import Logging
import PostgresNIO
import Testing

@Suite(.serialized, .enabled(if: PostgresCluster.isInstalled, postgresMissing), .postgresCluster)
struct PostgresSearchTests {
    @Test("opening a store makes the trigram index, once for two nodes; search takes %, _ and \\ as they are")
    func trigramIndexAndLikeCharacters() async throws {
        let address = try await freshDatabase()
        let (store, writer) = try await node(address)
        let (other, _) = try await node(address)
        #expect(try await indexes(address).filter { $0 == "events_text_trigrams" }.count == 1)
        var byID: [Int64: String] = [:]
        for text in ["100% sure", "100 percent", "a_b here", "axb here", #"back\slash"#, "backslash", "CAFÉ ouvert"] {
            let event = try await writer.append(message("alice", text))
            byID[event.id] = text
        }
        let reader = store.reader()
        func found(_ words: String) async throws -> Set<String> {
            Set(try await reader.search(words, in: SearchScope()).compactMap { byID[$0.id] })
        }
        #expect(try await found("100%") == ["100% sure"])
        #expect(try await found("%") == ["100% sure"])
        #expect(try await found("a_b") == ["a_b here"])
        #expect(try await found(#"k\s"#) == [#"back\slash"#])
        #expect(try await found("slash") == [#"back\slash"#, "backslash"])
        #expect(try await found("café") == ["CAFÉ ouvert"])
        #expect(try await found("100 sure") == ["100% sure"])
        await reader.close()
        try await other.close()
        try await store.close()
    }
}

/// The names of the indexes of the database at `address`.
private func indexes(_ address: PostgresAddress) async throws -> [String] {
    let logger = Logger(label: "test.search")
    let connection = try await PostgresConnection.connect(
        configuration: .init(
            host: address.host, port: address.port, username: address.user, password: nil,
            database: address.database, tls: .disable),
        id: 0, logger: logger)
    let rows = try await connection.query("SELECT indexname FROM pg_indexes", logger: logger).collect()
    try await connection.close()
    return try rows.map { try $0.decode(String.self) }
}

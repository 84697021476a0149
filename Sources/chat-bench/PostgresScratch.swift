import ChatStorePostgres
import Logging
import PostgresNIO

/// A database of its own for one benchmark run, made on a PostgreSQL server and dropped afterwards.
struct PostgresScratch {
    let address: PostgresAddress
    private let server: PostgresAddress
    private static let logger = Logger(label: "chat-bench.postgres")

    /// Makes database `name` on the server of `server` (whose user may `CREATE DATABASE`).
    static func make(on server: PostgresAddress, name: String) async throws -> PostgresScratch {
        try await administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        try await administer(server, "CREATE DATABASE \(name)")
        return PostgresScratch(address: server.with(database: name), server: server)
    }

    /// Drops the database (and ends the sessions still connected to it).
    func drop() async throws {
        try await Self.administer(server, "DROP DATABASE IF EXISTS \(address.database) WITH (FORCE)")
    }

    /// Runs one statement on the scratch database.
    func run(_ statement: String) async throws {
        try await Self.administer(address, statement)
    }

    /// Runs one statement that cannot take parameters (`CREATE DATABASE`) on `server`.
    private static func administer(_ server: PostgresAddress, _ statement: String) async throws {
        let configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: server.user, password: server.password,
            database: server.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

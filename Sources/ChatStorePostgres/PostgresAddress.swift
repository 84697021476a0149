import ChatStore
import Foundation
import PostgresNIO

/// Where a PostgreSQL database is: parsed from `postgres://user[:password]@host[:port]/database`
/// (`postgresql://` too). Its `description` never shows the password, so it is safe in logs and
/// in `StoreError.path`.
public struct PostgresAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses a `postgres://` address; an `.invalidArgument` error names what is wrong (never the password).
    public init(_ text: String) throws(StoreError) {
        func invalid(_ why: String) -> StoreError {
            StoreError(.invalidArgument, path: "postgres address", message: "not a usable postgres:// address: \(why)")
        }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { throw invalid("it must start with postgres://") }
        guard let host = url.host, !host.isEmpty else { throw invalid("it names no host") }
        guard let user = url.user, !user.isEmpty else { throw invalid("it names no user (postgres://USER@HOST/DB)") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw invalid("it names no database (postgres://USER@HOST/DB)") }
        self.init(
            host: host, port: url.port ?? 5432, user: user.removingPercentEncoding ?? user,
            password: url.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.removingPercentEncoding ?? database)
    }

    /// True when `text` looks like a PostgreSQL address rather than a file path.
    public static func isAddress(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// The address without its password.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// The same server, another database (tests, `CREATE DATABASE`).
    public func with(database: String) -> PostgresAddress {
        var copy = self
        copy.database = database
        return copy
    }

    /// A connection's settings; `role` becomes its `application_name` (`pg_stat_activity` tells
    /// a node's writer, readers and follower apart).
    func configuration(role: String) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .disable)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "chatroom \(role)")]
        return configuration
    }
}

import ChatCore
import ChatModel
import ChatStore
import ChatStorePostgres
import Logging

/// Where a server keeps its record: an SQLite file (the default) or a PostgreSQL database that
/// several servers may share (docs/SCALING.md).
public enum ServerDatabase: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresAddress)

    /// `text` as `--database` takes it: a `postgres://` address, anything else a file path.
    public init(_ text: String) throws(StoreError) {
        self = PostgresAddress.isAddress(text) ? .postgres(try PostgresAddress(text)) : .sqlite(path: text)
    }

    /// The file, or the address without its password: safe to log.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let address): address.description
        }
    }

    /// The SQLite file; nil for PostgreSQL.
    public var sqlitePath: String? {
        if case .sqlite(let path) = self { path } else { nil }
    }

    /// Opens the database's accounts book (creating or migrating the schema when needed). Blocks:
    /// call on a thread that may (see `AccountsBook`).
    public func openAccountsBook(logger: Logger = Logger(label: "chat.store.postgres")) throws(StoreError)
        -> any AccountsBook
    {
        switch self {
        case .sqlite(let path): try AccountBook(path: path)
        case .postgres(let address): try PostgresAccountBook.open(address: address, logger: logger)
        }
    }

    /// Why `configuration` cannot run on this database, nil when it can: PostgreSQL has no
    /// SQLite's drills (docs/SCALING.md).
    func refusal(of configuration: ServerConfiguration) -> String? {
        guard case .postgres = self else { return nil }
        var missing: [String] = []
        if configuration.durability != .normal {
            missing.append("--durability (PostgreSQL's is its own synchronous_commit)")
        }
        if configuration.maxPageCount != nil { missing.append("--max-pages (an SQLite drill)") }
        guard !missing.isEmpty else { return nil }
        return "not available with PostgreSQL yet: " + missing.joined(separator: "; ")
    }
}

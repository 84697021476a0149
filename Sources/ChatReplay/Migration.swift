import ChatStore
import ChatStorePostgres

/// `chat-replay migrate`: moves a SQLite chat record into an empty PostgreSQL database
/// (`PostgresImport`), every failure one clear line (never the address's password).
public enum Migration {
    /// Copies the record at `path` into the database at `address` (`postgres://…`).
    public static func run(
        from path: String, to address: String, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws(ReplayError) -> PostgresImport.Report {
        let target: PostgresAddress
        do {
            target = try PostgresAddress(address)
        } catch {
            throw ReplayError(error.message)
        }
        let source = try ReplayDatabase.openReader(path: path)
        do {
            return try await PostgresImport.copy(from: source, to: target, progress: progress)
        } catch {
            throw ReplayError(error)
        }
    }
}

import ChatStore
import PostgresNIO

/// Turns what postgres-nio throws into a `StoreError` that names the database (never its
/// password) and the cause: `.unavailable` when the server cannot be reached or the connection
/// was lost, `.postgres(sqlState:)` for an error the server reported.
enum PostgresFailure {
    static func storeError(_ error: any Error, at address: PostgresAddress, doing what: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresTransactionError {
            let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            if let inner { return storeError(inner, at: address, doing: what) }
        }
        if let error = error as? PSQLError, let info = error.serverInfo {
            let state = info[.sqlState] ?? "?????"
            let message = info[.message] ?? "server error"
            if state.hasPrefix("57P") || state.hasPrefix("08") {
                // admin_shutdown, crash_shutdown, cannot_connect_now; connection exceptions.
                return unavailable(at: address, doing: what, cause: message)
            }
            return StoreError(
                .postgres(sqlState: state), path: address.description,
                message: "PostgreSQL error \(state) while \(what): \(message)")
        }
        if let error = error as? PSQLError {
            return unavailable(at: address, doing: what, cause: "\(error.code)")
        }
        if let error = error as? NoAnswer { return unavailable(at: address, doing: what, cause: error.description) }
        // Connection refused, reset, a timeout: the socket layer's errors.
        return unavailable(at: address, doing: what, cause: String(describing: type(of: error)))
    }

    static func unavailable(at address: PostgresAddress, doing what: String, cause: String) -> StoreError {
        StoreError(
            .unavailable, path: address.description,
            message: "the database server cannot be reached while \(what) (\(cause)); nothing was stored by it")
    }
}

import ChatModel
import ChatStore

/// Finds the session a command works on: the one named, or the latest.
public enum SessionLookup {
    public static func resolve(_ id: Int64?, in source: any ReplaySource, path: String) async throws(ReplayError)
        -> Session
    {
        if let id {
            guard let session = try await sourceQuery({ try await source.session(id) }) else {
                let latest = try await sourceQuery { try await source.latestSessionID() }
                let known =
                    latest.map { " (sessions are 1 to \($0); see `chat-replay sessions`)" } ?? " (it has no sessions)"
                throw ReplayError("\(path): no session \(id)\(known)")
            }
            return session
        }
        guard let latest = try await sourceQuery({ try await source.latestSessionID() }),
            let session = try await sourceQuery({ try await source.session(latest) })
        else { throw ReplayError("\(path): no sessions recorded yet") }
        return session
    }
}

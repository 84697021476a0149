/// One run of the server.
public struct Session: Sendable, Hashable, Codable {
    /// How a session ended.
    public enum State: String, Sendable, Codable {
        /// The server is still running it.
        case running
        /// The server stopped cleanly.
        case clean
        /// The server died without a clean stop (found by the next start, or by a reader that
        /// sees no server holding the database).
        case unclean
    }

    public var id: Int64
    public var startedMillis: Int64
    public var endedMillis: Int64?
    public var state: State
    public var host: String
    public var port: Int
    public var version: String
    /// Number of events of each kind, and distinct people who joined or spoke.
    public var messages: Int
    public var joins: Int
    public var leaves: Int
    public var participants: Int
    /// Events of this session purged by retention: counted in `messages`, `joins`, `leaves` and
    /// `participants` as they were, but no longer in the record.
    public var purged: Int

    public init(
        id: Int64, startedMillis: Int64, endedMillis: Int64?, state: State, host: String, port: Int,
        version: String, messages: Int = 0, joins: Int = 0, leaves: Int = 0, participants: Int = 0, purged: Int = 0
    ) {
        self.id = id
        self.startedMillis = startedMillis
        self.endedMillis = endedMillis
        self.state = state
        self.host = host
        self.port = port
        self.version = version
        self.messages = messages
        self.joins = joins
        self.leaves = leaves
        self.participants = participants
        self.purged = purged
    }
}

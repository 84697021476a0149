/// A `ChatServer`'s life: initial → running → shuttingDown → shutdown. `beginShutdown` may come
/// before `run` (a server stopped before its task started), and `run` then only winds it down.
enum Lifecycle: Equatable {
    case initial
    case running
    /// Stopping: no new connections. `running` is whether `run` was called.
    case shuttingDown(running: Bool)
    case shutdown

    /// `run` starts.
    mutating func run() throws(ServerError) {
        switch self {
        case .initial: self = .running
        case .shuttingDown(running: false): self = .shuttingDown(running: true)
        case .running, .shuttingDown(running: true): throw .alreadyRunning
        case .shutdown: throw .alreadyStopped
        }
    }

    /// Shutdown begins; false when it already had.
    mutating func beginShutdown() -> Bool {
        switch self {
        case .initial: self = .shuttingDown(running: false)
        case .running: self = .shuttingDown(running: true)
        case .shuttingDown, .shutdown: return false
        }
        return true
    }

    /// Every connection is closed and the session is closing.
    mutating func stopped() {
        self = .shutdown
    }

    /// New connections are welcome.
    var isAccepting: Bool {
        switch self {
        case .initial, .running: return true
        case .shuttingDown, .shutdown: return false
        }
    }
}

import NIOConcurrencyHelpers
import NIOCore

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

/// A server's open connections and its `Lifecycle`, under one lock.
final class Connections: Sendable {
    private struct State {
        var lifecycle = Lifecycle.initial
        var channels: [Int64: any Channel] = [:]
        var admission: Admission
        var next: Int64 = 1
        /// `run` waiting for the last connection to close.
        var drained: CheckedContinuation<Void, Never>?
    }
    private let state: NIOLockedValueBox<State>

    init(limits: Admission.Limits) {
        state = NIOLockedValueBox(State(admission: Admission(limits: limits)))
    }

    /// Why a connection was refused.
    enum Refusal: Error, Equatable {
        case stopping
        case limit(Admission.Refusal)
    }

    /// `run` starts (see `Lifecycle.run`).
    func run() throws(ServerError) {
        let result = state.withLockedValue { state in Result { () throws(ServerError) in try state.lifecycle.run() } }
        try result.get()
    }

    /// Registers a new connection and returns its number, or refuses it (see `Admission`).
    func admit(_ channel: any Channel) -> Result<Int64, Refusal> {
        state.withLockedValue { state in
            guard state.lifecycle.isAccepting else { return .failure(.stopping) }
            let connection = state.next
            if let refusal = state.admission.admit(connection, from: channel.remoteAddress) {
                return .failure(.limit(refusal))
            }
            state.next += 1
            state.channels[connection] = channel
            return .success(connection)
        }
    }

    /// Whether the server is running and accepting (not yet stopping).
    var isAccepting: Bool {
        state.withLockedValue { $0.lifecycle.isAccepting }
    }

    /// The open connections now (for the metrics' outbound queue bytes).
    func channels() -> [any Channel] {
        state.withLockedValue { Array($0.channels.values) }
    }

    /// A connection gave its name: it no longer counts as a newcomer.
    func joined(_ connection: Int64) {
        state.withLockedValue { $0.admission.joined(connection) }
    }

    /// Shutdown begins: the connections to tell; nil when it already had.
    func beginShutdown() -> [any Channel]? {
        state.withLockedValue { state in
            guard state.lifecycle.beginShutdown() else { return nil }
            return Array(state.channels.values)
        }
    }

    /// A connection is over: forgets it.
    func closed(_ connection: Int64) {
        let drained = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.channels.removeValue(forKey: connection)
            state.admission.closed(connection)
            guard state.channels.isEmpty, let drained = state.drained else { return nil }
            state.drained = nil
            return drained
        }
        drained?.resume()
    }

    /// Returns once every connection is closed (after `beginShutdown`); the server is then shut down.
    func allClosed() async {
        await withCheckedContinuation { continuation in
            let now = state.withLockedValue { state -> Bool in
                guard state.channels.isEmpty else {
                    state.drained = continuation
                    return false
                }
                return true
            }
            if now { continuation.resume() }
        }
        state.withLockedValue { $0.lifecycle.stopped() }
    }
}

extension Connections.Refusal {
    /// What the refused client is told.
    func line(_ configuration: ServerConfiguration) -> String {
        switch self {
        case .stopping: PlainTexts.shutdown
        case .limit(.full): PlainTexts.full(configuration.maxClients)
        case .limit(.tooManyFromAddress): PlainTexts.tooManyFromAddress(configuration.maxClientsPerAddress)
        case .limit(.tooManyNewcomers): PlainTexts.tooManyNewcomers
        }
    }

    /// Why, for the log.
    func why(_ configuration: ServerConfiguration) -> String {
        switch self {
        case .stopping: "stopping"
        case .limit(.full): "server full (--max-clients)"
        case .limit(.tooManyFromAddress): "too many from this address (--max-clients-per-address)"
        case .limit(.tooManyNewcomers): "too many not yet named (--max-unjoined)"
        }
    }
}

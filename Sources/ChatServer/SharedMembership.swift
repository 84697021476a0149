import ChatModel
import ChatStore
import Logging
import NIOCore

/// One connection's name and rooms in the presence across nodes (`Presence`, on PostgreSQL): its
/// claim, renames, room entries and leaves, and its release, run one after another in the order
/// asked. Lives on the connection's event loop, owned by its `ConnectionHandler`; no task waits
/// between steps.
final class SharedMembership {
    private let presence: any Presence
    private let connection: Int64
    private let eventLoop: any EventLoop
    private let logger: Logger
    /// The steps asked so far: the next starts once they are done (failed ones too).
    private var steps: EventLoopFuture<Void>
    /// The connection holds a name in the presence.
    private var holdsName = false
    /// The rooms it is in there: spelled as entered, by key.
    private var rooms: [String: String] = [:]

    init(presence: any Presence, connection: Int64, eventLoop: any EventLoop, logger: Logger) {
        self.presence = presence
        self.connection = connection
        self.eventLoop = eventLoop
        self.logger = logger
        steps = eventLoop.makeSucceededVoidFuture()
    }

    /// Claims `name` for the connection (renames it, once it holds one); `answered` gets the
    /// outcome on the event loop.
    func claim(_ name: String, answered: @escaping (Result<NameClaim, StoreError>) -> Void) {
        let (presence, connection, renaming) = (presence, connection, holdsName)
        let claimed = step { () async throws(StoreError) -> NameClaim in
            try await (renaming ? presence.rename(connection, to: name) : presence.claim(connection, as: name))
        }
        let (this, answered) = (NIOLoopBound(self, eventLoop: eventLoop), NIOLoopBound(answered, eventLoop: eventLoop))
        let session = presence.session
        claimed.whenComplete { result in
            let outcome = result.mapError { error in
                error as? StoreError
                    ?? StoreError(.unavailable, path: "session \(session)", message: "cannot claim \(name): \(error)")
            }
            switch outcome {
            case .success(.granted): this.value.holdsName = true
            case .success(.taken): break
            case .failure:
                // A claim that failed may still have been made: let go of it.
                if !renaming {
                    this.value.holdsName = true
                    this.value.release()
                }
            }
            answered.value(outcome)
        }
    }

    /// The member's rooms are now `current`: enters the new ones (in their order), leaves the others.
    func update(rooms current: [String]) {
        guard holdsName else { return }
        let (presence, connection) = (presence, connection)
        let keys = Set(current.map(Room.key))
        for (key, room) in rooms where !keys.contains(key) {
            rooms[key] = nil
            run("leaving \(room)") { () async throws(StoreError) in try await presence.leave(connection, room: room) }
        }
        for room in current where rooms[Room.key(room)] == nil {
            rooms[Room.key(room)] = room
            run("entering \(room)") { () async throws(StoreError) in try await presence.enter(connection, room: room) }
        }
    }

    /// The connection left: its name is freed, and it is out of every room.
    func release() {
        guard holdsName else { return }
        holdsName = false
        rooms = [:]
        let (presence, connection) = (presence, connection)
        run("releasing its name") { () async throws(StoreError) in try await presence.release(connection) }
    }

    /// Runs `body` after the steps before it; its failure is logged.
    private func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws(StoreError) -> T) {
        let (logger, connection) = (logger, connection)
        step(body).whenFailure { error in
            // Closed: the server is stopping, and the presence's close frees every name.
            let level: Logger.Level = (error as? StoreError)?.kind == .closed ? .debug : .warning
            logger.log(level: level, "presence across nodes: connection \(connection) \(what): \(error)")
        }
    }

    /// `body`, started once the steps before it are done.
    private func step<T: Sendable>(
        _ body: @escaping @Sendable () async throws(StoreError) -> T
    ) -> EventLoopFuture<T> {
        let eventLoop = eventLoop
        let result = steps.flatMap { eventLoop.makeFutureWithTask { try await body() } }
        steps = result.map { _ in () }.recover { _ in () }
        return result
    }
}

/// What a person asks of the room, whatever door they came in by.
public enum Request: Sendable, Equatable {
    /// Enter the room (the first request of a connection).
    case join(JoinRequest)
    /// A message to the room.
    case say(String)
    /// An action (`/me waves`).
    case act(String)
    /// Leave on purpose.
    case quit
    /// Who is here.
    case who
    /// The last N events again; nil for the configured default.
    case history(Int?)
    /// The commands.
    case help
    // Extension points, not implemented yet: each is one more case here, one more branch in
    // `ConnectionStateMachine.handle(_:)`, and one more parse in each door.
    // - joinRoom(String), part(String): rooms beyond `main` (`ChatRoom` per room name).
    // - privateMessage(to: String, text: String): a `Reply`, not a room event.
    // - rename(String): a `NameRules` check and a `ChatRoom.rename`.
    // - login(user: String, secret: String): before `join`, in the naming state.
    // - search(String): a read on the thread pool, like `history`.
}

/// A request to join: the name asked for, and how much of the record to catch up on.
public struct JoinRequest: Sendable, Equatable {
    /// The name as typed; the core cleans it (`NameRules`).
    public var name: String
    /// The id of the last event the client already has (a reconnect).
    public var resumeAfter: Int64?
    /// How many recent events to send; nil for the configured default.
    public var history: Int?
    /// Watch without joining: the catch-up and every live event, but no join or leave is
    /// recorded, no name is taken from the room (not in `who`), and messages are refused
    /// (`Failure.watchOnly`); `who`, `history`, `help` and `quit` work.
    public var watch: Bool

    public init(name: String, resumeAfter: Int64? = nil, history: Int? = nil, watch: Bool = false) {
        self.name = name
        self.resumeAfter = resumeAfter
        self.history = history
        self.watch = watch
    }
}

/// What a door made of one line.
public enum DoorInput: Sendable, Equatable {
    /// A request for the core.
    case request(Request)
    /// A line the door could not accept; the person is told, the connection goes on.
    case rejected(Failure)
    /// A line after which the connection cannot go on: the person is told, then it closes.
    case fatal(Failure)
    /// Nothing to do (an empty line).
    case nothing
}

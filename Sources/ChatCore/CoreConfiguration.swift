import ChatModel

/// The rules of a room that a server run may change.
public struct CoreConfiguration: Sendable {
    /// Events a newcomer gets from the record before live traffic; 0 turns it off.
    public var history = 50
    /// Most events a reconnecting client is sent to catch up; older ones are reported as a gap.
    public var maxResume = 10_000
    /// Events of a catch-up read and sent at a time: the next page is read only once the member
    /// is under its outbound budget again.
    public var catchUpPageEvents = 32
    /// Requests per second one member may make, sustained (0 = no limit).
    public var requestsPerSecond = 50.0
    /// Requests one member may make in a burst before the rate applies.
    public var requestBurst = 1000
    /// The longest text a message or action may have, in UTF-8 bytes as stored (after
    /// `TextSanitizer`), whatever door it came by; longer ones are refused with `lineTooLong`.
    public var maxMessageBytes = MessageLimit.defaultBytes
    /// The room every newcomer starts in.
    public var defaultRoom = Room.defaultName
    /// Rooms the server may have (those of the record count); no new room past it.
    public var maxRooms = 1000
    /// Rooms one member may be in at once.
    public var maxRoomsPerMember = 20
    /// New rooms one member may make a second, sustained, and in a burst: a client making rooms
    /// in a loop is refused before it fills the server.
    public var roomCreationsPerSecond = 0.2
    public var roomCreationBurst = 5
    /// A member of a door that can ping (the structured one) from whom nothing came for half
    /// this many seconds is pinged; for all of it, its connection is closed as lost. 0: never.
    public var idleSeconds = 300.0
    /// Names are also claimed across the nodes of a shared database (PostgreSQL): a hello and a
    /// rename wait for `ConnectionAction.claimName` before the name is theirs. False: this node's
    /// `ChatDirectory` alone decides (SQLite).
    public var namesShared = false
    /// The most events `history` sends.
    public static let maxHistory = 1000

    public init() {}
}

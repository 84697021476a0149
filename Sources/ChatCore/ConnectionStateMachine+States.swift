import ChatModel
import ChatStore

/// The states a connection goes through, the steps a live member waits on, and what a member is.
extension ConnectionStateMachine {
    public enum State: Sendable, Equatable {
        /// Not yet started.
        case greeting
        /// Greeted; waiting for a name (or a hello), or for a registered name's password.
        case naming
        /// The name given (`name`) is being checked against the accounts, or claimed across the
        /// nodes (`CoreConfiguration.namesShared`); lines wait.
        case identifying(name: String)
        /// Named; the rooms of its hello are being entered (each room's catch-up read and sent).
        case catchingUp(Member, requested: String, change: NameChange?)
        /// Sent its catch-ups; its joins are being stored.
        case joining(Member)
        /// Joined; `waiting` is a step that waits.
        case live(Member, waiting: Waiting?)
        /// Leaving: its quit is being recorded or the connection is closing.
        case quitting(name: String?)
        case closed
    }

    /// A live member's step that waits.
    public enum Waiting: Sendable, Equatable {
        /// A room's history is being read.
        case history(String)
        /// The rate limit: the request is handled once the delay is over.
        case delayed(Request)
        /// Entering a room: its catch-up is read and sent, then its join stored.
        case entering(String)
        /// Leaving a room: the part is being stored.
        case parting(String)
        /// Taking a new name: the renames are being stored.
        case renaming(String)
        /// A room's new topic or modes are being stored.
        case changingRoom(String)
        /// The member's name is being registered.
        case registering
        /// A new name is being checked against the accounts (`/nick`).
        case checkingName(String)
        /// A new name is being claimed across the nodes (`CoreConfiguration.namesShared`).
        case claimingName(String)
        /// The recipient of a private message, not present here, is being looked up across the
        /// nodes; the request is sent once found.
        case findingName(Request)
        /// An operator's act is being stored and carried out.
        case moderating
        /// An operator account's password is being checked (`Request.elevate`).
        case elevating(String)
        /// A search is being read.
        case searching
    }

    /// A hello admitted here whose name is being claimed across the nodes.
    struct Claiming {
        var join: JoinRequest
        var role: AccountRole?
        var requested: String
        var name: String
        var resumesPrivate: Bool
        /// Who holds a name that looks like `requested`, here or on another node.
        var holder: String?
        /// The name keys other nodes refused: the next try is numbered past them.
        var takenElsewhere: Set<String>
    }

    /// The most names a hello tries across the nodes before it is told to try again.
    static let maxClaims = 20

    /// A catch-up sent a page at a time, each read once the member is under its budget.
    struct Paging: Equatable {
        var after: Int64
        var through: Int64
        var total: Int?
        var reading = false
    }

    /// A room being entered.
    struct Entry: Equatable {
        var room: String
        var resumeAfter: Int64?
        /// The first room of a hello: the welcome goes before its history.
        var first: Bool
        var paging: Paging?
    }

    /// A joined member, or a watcher.
    public struct Member: Sendable, Equatable {
        public var name: String
        /// Watching: not in the rooms' lists, nothing recorded for it, messages refused.
        public var watching = false
        /// The rooms it is in, in the order entered.
        public var rooms: [String] = []
        /// The room its lines go to.
        public var current: String
        /// The role of its account; nil: a guest.
        public var role: AccountRole?
        /// Came in without a room (`JoinRequest.roomless`): may leave every room.
        public var roomless = false
        /// Its name is proven (an account's password, or the token of a resume), so its searches
        /// cover the private messages of that name; a name alone, or a new one, is no proof.
        public var ownsPrivate = false
        var limiter: TokenBucket
        /// New rooms it may make.
        var creations: TokenBucket
        var warned = false

        /// The member's room called `typed` (any case, `#` optional); nil `typed`: the current one.
        func room(_ typed: String?) -> String? {
            guard let typed else { return rooms.isEmpty ? nil : current }
            guard case .success(let name) = Room.name(typed) else { return nil }
            return rooms.first { Room.key($0) == Room.key(name) }
        }
    }
}

import ChatModel

/// What the core says to one member; a door turns it into its own words or JSON.
public enum Reply: Sendable, Equatable {
    /// The first line of every connection, before the door is known.
    case greeting
    /// Joined as `name` (`requested` when it was free); `room` is the current room; `token`
    /// resumes the name's private messages after a drop.
    case welcome(name: String, requested: String, session: Int64, room: String, token: String? = nil)
    /// Events from the record.
    case history(HistoryBlock)
    /// Who is in `room`, sorted.
    case who(room: String = Room.defaultName, names: [String])
    /// Entered `room` (after the first): its topic and who is in it; its history follows.
    case joined(room: String, topic: String, names: [String])
    /// `room` is now the current room.
    case switched(room: String)
    /// Left `room`; `current` is the current room now.
    case parted(room: String, current: String)
    /// A room operator put the member out of `room`; `current` is the current room now (nil: in
    /// no room any more).
    case putOut(room: String, current: String?)
    /// Every room.
    case rooms([RoomSummary])
    /// A room's topic (empty: none), and who set it when.
    case topic(room: String, text: String, by: String?, timeMillis: Int64?)
    /// The member is called `to` from now on.
    case renamed(from: String, to: String)
    /// The commands.
    case help
    /// For the person; not an error.
    case notice(Notice)
    /// A request failed; the connection goes on unless said otherwise.
    case error(Failure)
    /// The member quit; the connection closes next.
    case goodbye
    /// The server is stopping (`message` says why, when it is not the usual shutdown).
    case shutdown(message: String?)
    /// `name` is registered: its password, please (the plain door's next line; a JSON hello
    /// carries it).
    case passwordNeeded(name: String)
    /// The member's name is registered to it now.
    case registered(name: String)
    /// The member holds the operator role now (`Request.elevate`).
    case nowOperator
    /// An operator put the member out of the server (kicked or banned); the connection closes.
    case removed(by: String, reason: LeaveReason, why: String)
    /// Are you there? (Doors that can ask: the structured one.)
    case ping
    /// The answer to the member's ping.
    case pong
    /// The answer to a search: not events, so it never moves a client's resume point.
    case searchResults(SearchResults)
}

/// Events read from the record for one member.
public struct HistoryBlock: Sendable, Equatable {
    /// Why the block is sent.
    public enum Purpose: Sendable, Equatable {
        /// Right after the welcome: the recent history, or what a reconnecting client missed.
        case catchUp
        /// Asked for with `history`.
        case request
    }
    public var purpose: Purpose
    /// The room the events are of (private messages: `Room.privateName`).
    public var room: String
    public var events: [Event]
    /// Events after `after` up to and including `resumedAfter` are not sent.
    public var gap: Gap?

    /// A catch-up sent in pages: the events of the whole block (nil: `events` is the whole block).
    public var total: Int?
    /// This part begins the block (its header, its gap) and ends it (its footer).
    public var opens = true
    public var closes = true

    public init(purpose: Purpose, events: [Event], gap: Gap? = nil, room: String = Room.defaultName) {
        self.purpose = purpose
        self.room = room
        self.events = events
        self.gap = gap
    }

    /// A part of a catch-up sent in pages.
    public init(
        catchUpPage events: [Event], gap: Gap? = nil, total: Int?, opens: Bool, closes: Bool,
        room: String = Room.defaultName
    ) {
        self.purpose = .catchUp
        self.room = room
        self.events = events
        self.gap = gap
        self.total = total
        self.opens = opens
        self.closes = closes
    }
}

/// A resume that could not be complete.
public struct Gap: Sendable, Equatable {
    public var after: Int64
    public var resumedAfter: Int64

    public init(after: Int64, resumedAfter: Int64) {
        self.after = after
        self.resumedAfter = resumedAfter
    }
}

/// A word for the person that is not an error.
public enum Notice: Sendable, Equatable {
    /// Sending faster than `rate` a second; lines are read more slowly.
    case rateLimited(rate: Double)
    /// The member got another name than the one typed (sent right after the welcome).
    case nameChanged(NameChange)
}

/// Why a request failed.
public enum Failure: Sendable, Equatable {
    /// The name may not be used; ask again.
    case nameReserved(String)
    /// The name line was over the line limit; ask again.
    case nameTooLong
    /// A message whose text is over the limit (or a line too long to carry any message) was
    /// refused, never sent; `limit` is the limit on a message's text.
    case lineTooLong(bytes: Int, limit: Int)
    /// The store refused the message: nobody saw it.
    case notStored(String)
    /// The store refused the join: the member is not in the room, and the connection closes.
    case joinNotStored(String)
    /// An empty message is not sent.
    case emptyMessage
    /// A command the door does not know.
    case unknownCommand(String)
    /// A request before the join.
    case joinFirst
    /// Lines came, but none gave a usable name within the name timeout of the connect: the
    /// connection closes.
    case noNameInTime
    /// A second join.
    case alreadyJoined
    /// A watcher (`JoinRequest.watch`) sent a message or an action: watchers only receive.
    case watchOnly
    /// A door's own decoding error, with its wire code.
    case invalid(code: String, message: String)
    /// A room name that breaks `Room.name`'s rules.
    case badRoomName(Room.NameProblem)
    /// Not in that room (or no such room).
    case notInRoom(String)
    /// The server has `limit` rooms (`--max-rooms`): no new one.
    case tooManyRooms(limit: Int)
    /// The member is in `limit` rooms (`--max-rooms-per-member`).
    case tooManyRoomsForMember(limit: Int)
    /// New rooms are being made too fast; try again in `seconds`.
    case roomsTooFast(seconds: Double)
    /// The member's only room: `quit` leaves the server.
    case lastRoom(String)
    /// Nobody of that name is here (a private message); nothing was stored.
    case noSuchName(String)
    /// The name asked for is someone else's.
    case nameTaken(String)
    /// The name asked for looks like `holder`'s, someone else's (same `NameRules.skeleton`,
    /// other letters: another alphabet's lookalikes, another case).
    case nameLooksLike(String, holder: String)
    /// `/msg` and `/nick` need an argument: the usage.
    case usage(String)

    // Accounts and moderation.
    /// The password for the registered name was wrong; ask again.
    case wrongPassword(String)
    /// Too many wrong passwords (from this address or for this account): wait `seconds`.
    case tooManyAttempts(seconds: Double)
    /// A password was given for a name that is not registered.
    case noSuchAccount(String)
    /// `--require-account`: guests may not join.
    case accountRequired
    /// A password over a connection that is neither TLS nor loopback: refused, never checked.
    case plaintextPassword
    /// Banned from the server (until a time, or until lifted).
    case banned(SanctionWords)
    /// Muted: messages, actions, private messages, topics and renames are refused.
    case muted(SanctionWords)
    /// Only operators may do that.
    case notOperator
    /// Only the room's operators may do that (change its modes, or its topic while it is
    /// topic locked).
    case notRoomOperator(String)
    /// The room is moderated: only its operators and voiced members speak in it.
    case moderatedRoom(String)
    /// `name` is not in `room` (a role change).
    case notInThatRoom(String, room: String)
    /// The account exists but is not an operator's (IRC's `OPER`).
    case notAnOperatorAccount(String)
    /// `/register` is off on this server (`--registration closed`).
    case registrationClosed
    /// `/register` needs an invite token on this server.
    case inviteNeeded
    /// The invite token is unknown, used up or expired.
    case badInvite
    /// Too many registrations from this address this hour: wait `seconds`.
    case registeringTooFast(seconds: Double)
    /// The password is shorter than `minimum` characters.
    case passwordTooShort(minimum: Int)
    /// The name is already registered (by someone else, or a lookalike of it).
    case nameRegistered(String)
    /// The member's name is registered already: it is theirs.
    case alreadyRegistered(String)
    /// The accounts could not be read or written.
    case accountsUnavailable(String)
}
extension Failure: Error {}

extension Failure {
    /// `name` is `holder`'s: `nameTaken` when `holder` spells it so (in any case), else
    /// `nameLooksLike`.
    static func taken(_ name: String, holder: String) -> Failure {
        holder.lowercased() == name.lowercased() ? .nameTaken(name) : .nameLooksLike(name, holder: holder)
    }
}

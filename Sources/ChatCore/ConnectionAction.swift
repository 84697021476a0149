import ChatModel
import ChatStore

/// What a door's channel handler does for its `ConnectionStateMachine`. Each action that waits
/// reports back with the event named here.
public enum ConnectionAction: Sendable, Equatable {
    /// Send a reply (through the door's codec).
    case send(Reply)
    /// Read more input (reading is paused otherwise).
    case read
    /// Give the newcomer the default name after the name timeout: `nameTimerFired()`.
    case armNameTimer
    case cancelNameTimer
    /// Register for `name`'s private messages (held back until `goLive(room: Room.privateName)`).
    case subscribePrivate(name: String)
    /// Register for `room`'s live events (held back until `goLive`), then read its catch-up with
    /// `ChatCore.catchUp(room:resumeAfter:history:)` off the event loop: `caughtUp(_:)`.
    case enter(room: String, resumeAfter: Int64?, history: Int?)
    /// Read the next page of a catch-up sent in pages with `ChatCore.catchUpPage(room:after:through:)`
    /// off the event loop: `catchUpPageRead(_:)`.
    case readCatchUpPage(room: String, after: Int64, through: Int64)
    /// Read the private messages since `after` with `ChatCore.privateCatchUp(name:after:)`: `privateRead(_:through:)`.
    case readPrivate(name: String, after: Int64)
    /// Send `room`'s events held back that the catch-up did not hold, then every live one.
    case goLive(room: String, seenThrough: Int64)
    /// The member's rooms changed: `current` is where its lines go, `rooms` all it is in (a plain
    /// door marks events of the other rooms with their room).
    case roomsChanged(current: String, rooms: [String])
    /// No more events of `room`.
    case unsubscribe(room: String)
    /// Private messages now come for `to`, not `from`.
    case movePrivate(from: String, to: String)
    /// Store the joins of a hello's rooms: `joinStored()` once all are, or `joinFailed(_:)`.
    case recordJoins([NewEvent])
    /// Store the join of one more room: `roomJoinStored()` or `roomJoinFailed(_:)`.
    case recordJoin(NewEvent)
    /// Store an event; if it fails, `storeFailed(_:)`.
    case record(NewEvent)
    /// Store a part: `partStored()` or `partFailed(_:)`.
    case recordPart(NewEvent)
    /// Store a topic or mode changes, reading no more lines until they are committed (so that the
    /// next `/topic` shows it): `roomChangeStored()` or `roomChangeFailed(_:)`.
    case recordRoomChange([NewEvent])
    /// Store a rename in each room: `renameStored()` once all are, or `renameFailed(_:)`.
    case recordRename([NewEvent])
    /// Store the leaves of a quit: `leaveCommitted()` once committed (and fanned out).
    case recordQuit([NewEvent])
    /// Wait (the rate limit): `delayOver()`.
    case delay(seconds: Double)
    /// Read `room`'s last `limit` events with `ChatCore.history(room:limit:)` off the event loop: `historyRead(_:)`.
    case readHistory(room: String, limit: Int)
    /// Read a window of `room`'s messages with `ChatCore.history(room:query:)` off the event loop: `historyRead(_:)`.
    case readHistoryWindow(room: String, query: HistoryQuery)
    /// Search with `ChatCore.search(_:scope:)` off the event loop: `searchRead(_:)`.
    case readSearch(String, scope: SearchScope)
    /// Send everything still owed, then `reply` if any, half-close once it is out, and close after
    /// the grace time whatever the peer does.
    case finish(Reply?)
    /// Close now.
    case close
    /// The member is over its outbound budget: `stallTimerFired()` if it does not drain in time.
    case armStallTimer
    case cancelStallTimer
    /// Take `name` out of every room, the directory and the fan-out.
    case leaveServer(name: String)
    /// Check a name and its password with `Accounts.login(name:password:peer:now:)` on the password
    /// pool: `loginChecked(_:)`.
    case logIn(name: String, password: String?)
    /// Check with `Accounts.isRegistered(_:)` on the password pool whether a new name is someone's
    /// account: `nameChecked(registered:)`.
    case checkName(String)
    /// Claim `name` across the nodes (`Presence.claim`, or `Presence.rename` once the connection
    /// holds a name there; only with `CoreConfiguration.namesShared`): `nameClaimed(_:)`.
    case claimName(String)
    /// Look up who holds `name` across the nodes (`Presence.holder(of:)`): `nameFound(_:)`.
    case findName(String)
    /// Check an operator account's password for `Request.elevate`: `operatorChecked(_:)`.
    case checkOperator(account: String, password: String)
    /// Register `name` with `Accounts.register(name:password:invite:peer:)` on the password pool:
    /// `registrationDone(_:)`.
    case register(name: String, password: String, invite: String?)
    /// An operator's act: store `sanction` first (`Accounts.impose`, or `Accounts.lift` for a
    /// lifted one), then record `event`, then put out whoever `removes` names (their connections get
    /// `removed(by:reason:why:)`): `moderationDone(_:)` with the first failure, if any.
    case moderate(Moderation)
    /// The connection is over (`reason` for the log); forget it.
    case closed(LeaveReason)
}

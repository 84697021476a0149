import ChatModel

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
    /// Register `name` for live events (held back until `goLive`), then read the record with
    /// `ChatCore.catchUp(for:)` off the event loop: `caughtUp(_:)`.
    case catchUp(name: String, JoinRequest)
    /// Read the next page of a catch-up sent in pages with `ChatCore.catchUpPage(after:through:)`
    /// off the event loop: `catchUpPageRead(_:)`.
    case readCatchUpPage(after: Int64, through: Int64)
    /// Send the events held back that the catch-up did not hold, then every live event.
    case goLive(seenThrough: Int64)
    /// Store the join: `joinStored()` or `joinFailed(_:)`.
    case recordJoin(NewEvent)
    /// Store an event; if it fails, `storeFailed(_:)`.
    case record(NewEvent)
    /// Store the leave of a quit: `leaveCommitted()` once committed (and fanned out).
    case recordQuit(NewEvent)
    /// Wait (the rate limit): `delayOver()`.
    case delay(seconds: Double)
    /// Read the last `limit` events with `ChatCore.history(limit:)` off the event loop: `historyRead(_:)`.
    case readHistory(limit: Int)
    /// Send everything still owed, then `reply` if any, half-close once it is out, and close after
    /// the grace time whatever the peer does.
    case finish(Reply?)
    /// Close now.
    case close
    /// The member is over its outbound budget: `stallTimerFired()` if it does not drain in time.
    case armStallTimer
    case cancelStallTimer
    /// Take `name` out of the room and its fan-out.
    case leaveRoom(name: String)
    /// The connection is over (`reason` for the log); forget it.
    case closed(LeaveReason)
}

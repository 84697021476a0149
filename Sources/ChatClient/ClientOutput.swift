import ChatModel
import ChatProtocol

/// Where a block of events sent from the server's record comes from.
public enum HistoryKind: Sendable, Equatable {
    /// The recent history a newcomer gets on joining.
    case join
    /// What happened while the client was disconnected: shown once, in order.
    case catchUp
    /// The answer to `/history N`.
    case requested
}

/// What a `ClientSession` has to show its user, in order.
public enum ClientOutput: Sendable, Equatable {
    /// Joined (or rejoined, `resumed`) with the name in `welcome`; `requested` is the name asked for.
    case joined(Welcome, requested: String, resumed: Bool)
    /// Events from the record of `room` follow (nil: a server without rooms).
    case historyBegin(HistoryKind, room: String? = nil)
    /// An event, live (`history` nil) or from the record.
    case event(Event, history: HistoryKind?)
    /// The block of `count` events from the record of `room` is complete.
    case historyEnd(HistoryKind, count: Int, room: String? = nil)
    /// Events of `room` after `after` up to `resumedAfter` are no longer in the server's history
    /// (`resumedAfter` 0: the server's record is a different one).
    case gap(after: Int64, resumedAfter: Int64, room: String? = nil)
    /// Who is in `room` (nil: the only room of a server without rooms).
    case who([String], room: String? = nil)
    /// Entered `room` (the answer to a join; its history follows): its topic and who is there.
    case roomJoined(room: String, topic: String, names: [String])
    /// Every room on the server (`/rooms`).
    case roomList([RoomSummary])
    /// A room's topic (empty: none) and who set it.
    case topic(room: String, text: String, by: String?)
    /// Our name changed (`/nick`).
    case renamed(from: String, to: String)
    /// A notice from the server (not an error).
    case serverNotice(String)
    /// A request failed on the server.
    case serverError(String)
    /// The server is stopping.
    case shutdown(String)
    /// The connection ended; `reason` says how.
    case disconnected(reason: String)
    /// The next connection attempt is in `seconds`; `failure` is why the last one failed.
    case reconnecting(attempt: Int, seconds: Double, failure: String?)
    /// A message typed while disconnected waits for the connection.
    case queued
    /// `count` messages typed while disconnected have been sent, now that the client is back.
    case queuedSent(count: Int)
    /// Leaving while disconnected: `count` typed messages will never be sent.
    case queuedUnsent(count: Int)
    /// The host of the room left: the client stops instead of reconnecting.
    case roomClosed
    /// A word from the client itself.
    case info(String)
    /// The answer to `/search`, newest first.
    case searchResults(query: String, hits: [SearchHit])
}

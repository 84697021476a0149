import ChatModel
import ChatStore

/// An operator's act, as the door's handler carries it out (`ConnectionAction.moderate`).
public struct Moderation: Sendable, Equatable {
    /// What to store about it.
    public enum Change: Sendable, Equatable {
        case none
        /// A ban or a mute on a name or an address, for `seconds` (nil: until lifted).
        case impose(Sanction.Kind, name: String?, address: String?, seconds: Int?, reason: String)
        case lift(Sanction.Kind, name: String?, address: String?)
    }

    /// Who is to leave the server, and why (their leaves carry `reason`); or, with `room`, only
    /// that room.
    public struct Removal: Sendable, Equatable {
        /// A present member's name, or
        public var name: String?
        /// every connection from this address.
        public var address: String?
        public var reason: LeaveReason
        /// Only this room (a room operator's kick): `name` stays on the server.
        public var room: String?
    }

    public var change: Change
    /// The event that records it (who did what to whom), committed before anyone is put out.
    public var event: NewEvent
    public var removes: Removal?
}

/// How a ban or mute's target is written: an IP address, or else a name.
public enum ModerationTarget {
    /// Whether `target` is an IPv4 or IPv6 address rather than a name.
    public static func isAddress(_ target: String) -> Bool {
        if target.contains(":") { return target.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = target.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}

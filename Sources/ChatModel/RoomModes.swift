/// A room setting that its operators switch on and off (IRC's channel modes).
public enum RoomFlag: Character, Sendable, Hashable, CaseIterable {
    /// Only the room's operators and voiced members may speak in it (`+m`).
    case moderated = "m"
    /// The room is left out of the room list for those not in it (`+s`).
    case secret = "s"
    /// Only the room's operators may set its topic (`+t`).
    case topicLocked = "t"

    /// What it means, for people: `topic locked`.
    public var words: String {
        switch self {
        case .moderated: "moderated"
        case .secret: "secret"
        case .topicLocked: "topic locked"
        }
    }
}

/// A role someone holds in a room while they are in it (IRC's channel prefixes).
public enum RoomRole: Character, Sendable, Hashable, CaseIterable {
    /// Changes the room's modes and gives roles (`+o`, shown `@`). Whoever enters an empty room
    /// is its first operator.
    case `operator` = "o"
    /// May speak in a moderated room (`+v`, shown `+`).
    case voice = "v"

    /// The mark before the name in IRC's `NAMES`: `@` or `+`.
    public var prefix: Character { self == .operator ? "@" : "+" }
}

/// One change of a room's modes, recorded as a `mode` event: its text is `+t` or `-o`, its
/// target the member a role change is for.
public enum RoomModeChange: Sendable, Hashable {
    case flag(RoomFlag, on: Bool)
    case role(RoomRole, on: Bool, name: String)

    /// Reads a recorded change; nil when `text` is not one.
    public init?(text: String, target: String?) {
        guard text.count == 2, let sign = text.first, sign == "+" || sign == "-", let letter = text.last else {
            return nil
        }
        if let flag = RoomFlag(rawValue: letter) {
            self = .flag(flag, on: sign == "+")
        } else if let role = RoomRole(rawValue: letter), let target {
            self = .role(role, on: sign == "+", name: target)
        } else {
            return nil
        }
    }

    /// The event's text: `+t`, `-o`.
    public var text: String {
        switch self {
        case .flag(let flag, let on): (on ? "+" : "-") + String(flag.rawValue)
        case .role(let role, let on, _): (on ? "+" : "-") + String(role.rawValue)
        }
    }

    /// The event's target: the name of a role change.
    public var target: String? {
        if case .role(_, _, let name) = self { return name }
        return nil
    }

    /// Words for people, before the target's name if any: `made the room topic locked (+t)`,
    /// `made an operator of `.
    public var words: String {
        switch self {
        case .flag(let flag, true): "made the room \(flag.words) (+\(flag.rawValue))"
        case .flag(let flag, false): "made the room no longer \(flag.words) (-\(flag.rawValue))"
        case .role(.operator, true, _): "made an operator of "
        case .role(.operator, false, _): "took operator from "
        case .role(.voice, true, _): "gave a voice in the room to "
        case .role(.voice, false, _): "took the room's voice from "
        }
    }
}

/// Rooms: named places to talk. A room is created by its first join and keeps its history when
/// empty. Names are compared without case; `#` in front is optional and never stored.
public enum Room {
    /// The room every newcomer starts in, unless the server says otherwise (`--default-room`).
    public static let defaultName = "main"
    /// The `room` of a private message: no room (the sender and the recipient see it).
    public static let privateName = ""
    /// The longest room name, in characters.
    public static let maxNameLength = 32

    /// Why a typed room name is not a room name.
    public enum NameProblem: Error, Sendable, Equatable {
        case empty
        case tooLong
        /// A character other than a letter, a digit, `-`, `_` or `.`.
        case character(Character)
    }

    /// The room name in `typed`: white space and one leading `#` dropped; at most
    /// `maxNameLength` characters, each an ASCII letter or digit, `-`, `_` or `.`.
    public static func name(_ typed: String) -> Result<String, NameProblem> {
        var name = typed.trimmingWhitespace
        if name.hasPrefix("#") { name = name.dropFirst() }
        guard !name.isEmpty else { return .failure(.empty) }
        guard name.count <= maxNameLength else { return .failure(.tooLong) }
        if let bad = name.first(where: { !isAllowed($0) }) { return .failure(.character(bad)) }
        return .success(String(name))
    }

    /// The key that makes names unique: `Dev` and `dev` are one room.
    public static func key(_ name: String) -> String { name.lowercased() }

    /// How people see a room's name: `#dev`.
    public static func display(_ name: String) -> String { "#" + name }

    private static func isAllowed(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || character == "-" || character == "_" || character == "."
    }
}

extension Room.NameProblem {
    /// The rule, in words.
    public var words: String {
        switch self {
        case .empty: return "a room needs a name"
        case .tooLong: return "room names are at most \(Room.maxNameLength) characters"
        case .character(let character):
            return "room names may hold letters, digits, '-', '_' and '.', not '\(character)'"
        }
    }
}

/// Where a member was in one room's record: a reconnecting client names each room it was in and
/// the id of the last event it has of it (nil: none yet, send the recent history).
public struct RoomResume: Sendable, Hashable, Codable {
    public var room: String
    public var resumeAfter: Int64?

    public init(room: String, resumeAfter: Int64? = nil) {
        self.room = room
        self.resumeAfter = resumeAfter
    }

    private enum CodingKeys: String, CodingKey {
        case room
        case resumeAfter = "resume_after"
    }
}

/// A room as `/rooms` lists it.
public struct RoomSummary: Sendable, Hashable {
    public var name: String
    public var members: Int
    /// The current topic; empty for none.
    public var topic: String

    public init(name: String, members: Int, topic: String = "") {
        self.name = name
        self.members = members
        self.topic = topic
    }
}

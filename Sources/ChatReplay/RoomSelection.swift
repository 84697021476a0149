import ChatModel
import ChatStore

/// `--room` and `--include-private`: which room's events a command reads, and whether private
/// messages are among them (never unless asked for).
public struct RoomSelection: Sendable, Equatable {
    /// The room as typed (`dev`, `#Dev`), nil for every room.
    public var room: String?
    /// Private messages too, marked as private in every format.
    public var includePrivate: Bool

    public init(room: String? = nil, includePrivate: Bool = false) {
        self.room = room
        self.includePrivate = includePrivate
    }

    /// `filter` narrowed to the selection. The room is found without case and with `#` optional;
    /// a room the database does not have is an error naming the rooms it has, unless `missingOK`
    /// (following a room that does not exist yet), when the typed name is used as it is.
    public func apply(
        to filter: EventFilter, source: any ReplaySource, path: String, missingOK: Bool = false
    ) async throws(ReplayError) -> EventFilter {
        var filter = filter
        filter.includePrivate = includePrivate
        guard let room else { return filter }
        guard case .success(let name) = Room.name(room) else {
            throw ReplayError("--room \(room): not a room name")
        }
        if let stored = try await sourceQuery({ try await source.roomName(matching: name) }) {
            filter.room = stored
        } else if missingOK {
            filter.room = name
        } else {
            let known = try await sourceQuery { try await source.rooms(selectedBy: EventFilter()) }.map(Room.display)
            let list = known.isEmpty ? "it has none" : "rooms: " + known.joined(separator: ", ")
            throw ReplayError("\(path): no room \(Room.display(name)) (\(list))")
        }
        return filter
    }
}

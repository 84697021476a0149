import ChatModel
import ChatProtocol
import ChatStore

/// Counts per session and room, for `sessions`: which room saw how many messages, joins and
/// leaves. Private messages are one row of their own (`private`), counted, never shown.
enum RoomTable {
    /// `SESSION  ROOM  MESSAGES  JOINS  LEAVES`, one row per session and room; the private row has
    /// `-` for joins and leaves.
    static func text(_ rooms: [RoomCount]) -> String {
        var rows = [["SESSION", "ROOM", "MESSAGES", "JOINS", "LEAVES"]]
        for count in rooms {
            rows.append(
                count.isPrivate
                    ? [String(count.session), "private", String(count.messages), "-", "-"]
                    : [
                        String(count.session), Room.display(count.room), String(count.messages), String(count.joins),
                        String(count.leaves),
                    ])
        }
        return SessionTable.aligned(rows, numeric: [0, 2, 3, 4])
    }

    /// Adds `rooms` (the rooms, not the private one) and `private_messages` to a session's object.
    static func add(_ counts: [RoomCount], to object: inout JSONObject) {
        object.add("rooms", objects: counts.filter { !$0.isPrivate }) { room, count in
            room.add("room", count.room)
            room.add("messages", Int64(count.messages))
            room.add("joins", Int64(count.joins))
            room.add("leaves", Int64(count.leaves))
        }
        object.add("private_messages", Int64(counts.filter(\.isPrivate).reduce(0) { $0 + $1.messages }))
    }
}

import ChatModel
import ChatProtocol
import ChatStore

/// The `sessions` listing, as an aligned table or as JSON, with each session's counts per room
/// (private messages counted apart, never shown).
public enum SessionTable {
    /// `end` for people: the end time, or `running` / `unclean`.
    static func end(_ session: Session, local: Bool) -> String {
        switch session.state {
        case .running: "running"
        case .unclean: "unclean"
        case .clean: session.endedMillis.map { Timestamp.readable($0, local: local) } ?? "-"
        }
    }

    /// How long it ran: until its end, until now while running, unknown (nil) for an unclean end not yet dated.
    static func durationMillis(_ session: Session, now: Int64) -> Int64? {
        if session.state == .running { return now - session.startedMillis }
        return session.endedMillis.map { $0 - session.startedMillis }
    }

    /// The table, one row per session, with a header; then, when `rooms` has more than one room
    /// (or private messages), a second table with one row per session and room (`RoomTable`).
    /// Counts include purged events; once retention purged some, a `PURGED` column says how many.
    public static func text(_ sessions: [Session], rooms: [RoomCount] = [], now: Int64, local: Bool = false) -> String {
        let purged = sessions.contains { $0.purged > 0 }
        var rows = [["ID", "START", "END", "DURATION", "PARTICIPANTS", "MESSAGES"] + (purged ? ["PURGED"] : [])]
        for session in sessions {
            rows.append(
                [
                    String(session.id), Timestamp.readable(session.startedMillis, local: local),
                    end(session, local: local),
                    durationMillis(session, now: now).map { DurationText.format(millis: $0) } ?? "-",
                    String(session.participants), String(session.messages),
                ] + (purged ? [String(session.purged)] : []))
        }
        let table = aligned(rows, numeric: [0, 3, 4, 5, 6])
        return Set(rooms.map(\.room)).count > 1 ? table + "\n" + RoomTable.text(rooms) : table
    }

    /// Rows as columns: numbers right-aligned, the rest left-aligned, two spaces apart.
    static func aligned(_ rows: [[String]], numeric: Set<Int>) -> String {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return numeric.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n") + "\n"
    }

    /// `{"sessions":[{"id":1,"start":"...","end":"...","state":"clean","duration_ms":...,...}]}`;
    /// `end` and `duration_ms` are left out when unknown.
    /// With `rooms`, each session also has `"rooms":[{"room":"main","messages":..,"joins":..,
    /// "leaves":..}]` and `"private_messages":N`.
    public static func json(_ sessions: [Session], rooms: [RoomCount]? = nil, now: Int64) -> String {
        let bySession = Dictionary(grouping: rooms ?? [], by: \.session)
        let objects = sessions.map { session in
            var object = JSONObject()
            object.add("id", session.id)
            object.add("start", Timestamp.iso8601(session.startedMillis))
            object.add("end", session.endedMillis.map(Timestamp.iso8601))
            object.add("state", session.state.rawValue)
            object.add("duration_ms", durationMillis(session, now: now))
            object.add("participants", Int64(session.participants))
            object.add("messages", Int64(session.messages))
            object.add("joins", Int64(session.joins))
            object.add("leaves", Int64(session.leaves))
            if session.purged > 0 { object.add("purged", Int64(session.purged)) }
            object.add("host", session.host)
            object.add("port", Int64(session.port))
            object.add("version", session.version)
            if rooms != nil { RoomTable.add(bySession[session.id] ?? [], to: &object) }
            return object.string
        }
        return "{\"sessions\":[" + objects.joined(separator: ",\n") + "]}\n"
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

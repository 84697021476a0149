import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// `CHATHISTORY` (IRCv3 draft): windows of a channel's history, answered as a batch.
extension IRCDoor {
    /// `CHATHISTORY LATEST|BEFORE|AFTER|AROUND|BETWEEN #room REF... LIMIT` (IRCv3 draft): a window of
    /// the room's messages, as a batch; `TARGETS` answers an empty batch (no private history yet).
    func chatHistory(_ parameters: [String], answer: inout ByteBuffer) -> [DoorInput] {
        let sub = parameters.first?.uppercased() ?? ""
        func fail(_ code: String, _ what: String) -> [DoorInput] {
            answer.writeIRC(from: serverName, "FAIL", "CHATHISTORY", code, sub, text: what)
            return []
        }
        let counts = ["LATEST": 4, "BEFORE": 4, "AFTER": 4, "AROUND": 4, "BETWEEN": 5, "TARGETS": 4]
        guard let count = counts[sub] else { return fail("INVALID_PARAMS", "Unknown subcommand") }
        guard parameters.count >= count, let limit = Int(parameters[count - 1]), limit >= 0 else {
            return fail("INVALID_PARAMS", "Not enough or bad parameters")
        }
        if sub == "TARGETS" {
            answer.writeIRC(from: serverName, "BATCH", "+targets", "draft/chathistory-targets")
            answer.writeIRC(from: serverName, "BATCH", "-targets")
            return []
        }
        let target = parameters[1]
        guard case .success(let name) = Room.name(target), target.hasPrefix("#"), let room = rooms[Room.key(name)]
        else {
            return fail("INVALID_TARGET", "Only channels you are in have history here")
        }
        var points: [HistoryQuery.Point?] = []
        for reference in parameters[2..<(count - 1)] {
            if reference == "*", sub == "LATEST" {
                points.append(nil)
            } else if let point = Self.point(reference) {
                points.append(point)
            } else {
                return fail("INVALID_PARAMS", "References are msgid=ID or timestamp=TIME")
            }
        }
        let window: HistoryQuery.Window
        switch sub {
        case "LATEST": window = .latest(after: points[0])
        case "BEFORE": window = .before(points[0]!)
        case "AFTER": window = .after(points[0]!)
        case "AROUND": window = .around(points[0]!)
        default: window = .between(points[0]!, points[1]!)
        }
        return [.request(.historyWindow(HistoryQuery(window, limit: min(limit, 1000)), room: room))]
    }

    /// `msgid=42` or `timestamp=2026-11-30T17:02:03.000Z`.
    static func point(_ reference: String) -> HistoryQuery.Point? {
        let parts = reference.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "msgid": return Int64(parts[1]).map { .id($0) }
        case "timestamp": return Timestamp.parse(parts[1]).map { .time($0) }
        default: return nil
        }
    }
}

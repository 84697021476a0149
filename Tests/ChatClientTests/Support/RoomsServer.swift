import ChatModel
import ChatProtocol
import Foundation

/// An event line as a server with rooms sends it (text: `m` and the id unless given).
func wireEvent(
    _ id: Int64, _ room: String, kind: EventKind = .message, user: String = "bob", text: String? = nil,
    history: Bool = false, to recipient: String? = nil
) -> String {
    let event = Event(
        id: id, kind: kind, room: room, user: user, text: text ?? (kind == .message ? "m\(id)" : ""),
        timeMillis: 1_795_000_000_000, session: 1, reason: kind == .leave ? .part : nil, recipient: recipient)
    return ServerMessage.event(event, history: history).json
}

extension HostileConnection {
    /// The greeting and a welcome from a server with rooms (it has a token) to alice in main.
    func roomsWelcome(token: String) {
        send("Welcome to chatroom! Type your name and press Enter:")
        send(
            ServerMessage.welcome(
                name: "alice", session: 1, server: "scripted", room: "main", maxMessageBytes: 4096, token: token
            ).json)
    }

    /// The next line the client sent, without recording it; nil at end of input.
    func nextLine() -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }
}

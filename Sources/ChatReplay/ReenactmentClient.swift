import ChatModel
import ChatProtocol

/// What the conductor tells a simulated client to do.
enum ReenactmentCommand: Sendable {
    case say(String, room: String)
    case me(String, room: String)
    /// A private message to `to` (the name the recipient has on the target).
    case msg(to: String, text: String)
    case join(String)
    case part(String)
    case topic(String, room: String)
    case nick(String)
    case quit
    case drop
}

/// One simulated client's side: it carries out each command on its connection and reads until
/// the target has acknowledged it (its own event, a `joined`, a `renamed`), which also drains what
/// the rooms sent meanwhile. A refusal fails the re-enactment with one short line. The private
/// messages it sends go into the log, since the observer cannot see them.
enum ReenactmentClient {
    static func run(
        _ chat: inout ChatConnection, commands: AsyncStream<ReenactmentCommand>, log: ReenactmentLog
    ) async throws {
        var me = chat.welcome.name
        for await command in commands {
            let step: EventKey
            let done: (ServerMessage) -> Bool
            switch command {
            case .say(let text, let room), .me(let text, let room):
                let kind: EventKind
                if case .say = command {
                    kind = .message
                    try await chat.send(.say(text, room: room))
                } else {
                    kind = .action
                    try await chat.send(.me(text, room: room))
                }
                step = EventKey(kind: kind, room: room, user: me, text: text)
                done = { [me] in Self.isEvent($0, kind, by: me, in: room) }
            case .msg(let to, let text):
                try await chat.send(.msg(to: to, text: text))
                step = EventKey(kind: .message, room: Room.privateName, user: me, text: text, recipient: to)
                done = { [me] in
                    guard case .event(let event, history: false) = $0 else { return false }
                    return event.isPrivate && event.user == me && event.text == text
                }
            case .join(let room):
                try await chat.send(.join(room: room))
                step = EventKey(kind: .join, room: room, user: me)
                done = {
                    if case .joined(let joined, _, _) = $0 { return Room.key(joined) == Room.key(room) }
                    return false
                }
            case .part(let room):
                // The leave is what the observer waits for; nothing comes back to wait on here.
                try await chat.send(.part(room: room))
                continue
            case .topic(let text, let room):
                try await chat.send(.topic(room: room, text: text))
                step = EventKey(kind: .topic, room: room, user: me, text: text)
                done = { [me] in Self.isEvent($0, .topic, by: me, in: room) }
            case .nick(let name):
                try await chat.send(.nick(name))
                step = EventKey(kind: .rename, user: me, text: name)
                done = { if case .renamed = $0 { return true } else { return false } }
            case .quit:
                try await chat.quit()
                return
            case .drop:
                return
            }
            while let message = try await chat.next() {
                if case .error(let code, let message) = message {
                    let why = EventKey.quotedBrief(message)
                    await log.fail(ReplayError("the target refused \(step.brief): \(code.rawValue) \(why)"))
                    break
                }
                guard done(message) else { continue }
                if case .renamed(_, let to) = message { me = to }
                if case .event(let event, _) = message, event.isPrivate { await log.append(event) }
                break
            }
        }
    }

    private static func isEvent(_ message: ServerMessage, _ kind: EventKind, by user: String, in room: String) -> Bool {
        guard case .event(let event, history: false) = message else { return false }
        return event.kind == kind && event.user == user && Room.key(event.room) == Room.key(room)
    }
}

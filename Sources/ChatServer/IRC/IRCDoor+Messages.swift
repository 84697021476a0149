import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// What the IRC door does with what is said: `PRIVMSG`, `NOTICE` and `TAGMSG` to channels and
/// nicks, with CTCP `ACTION` and the client-only tags they carry.
extension IRCDoor {
    /// `TAGMSG targets`: client-only tags with no text, to each target (nothing without tags).
    func tagMessages(_ parameters: [String], clientTags: String?, answer: inout ByteBuffer) -> [DoorInput] {
        guard let targets = parameters.first, !targets.isEmpty else { return needMore("TAGMSG", &answer) }
        // Nothing to relay without client-only tags.
        guard let clientTags else { return [] }
        return targets.split(separator: ",").compactMap {
            tagMessage(to: String($0), answer: &answer).map { .request(.tagged($0, clientTags: clientTags)) }
        }
    }

    /// `PRIVMSG targets :text` or `NOTICE targets :text`, to each target; a NOTICE is never answered
    /// with an error.
    func messages(
        _ command: String, _ parameters: [String], clientTags: String?, answer: inout ByteBuffer
    ) -> [DoorInput] {
        guard let targets = parameters.first, !targets.isEmpty else {
            if command == "NOTICE" { return [] }
            answer.writeIRC(from: serverName, numeric: "411", me, text: "No recipient given (PRIVMSG)")
            return []
        }
        guard parameters.count > 1, !parameters[1].isEmpty else {
            if command == "NOTICE" { return [] }
            answer.writeIRC(from: serverName, numeric: "412", me, text: "No text to send")
            return []
        }
        return targets.split(separator: ",").compactMap {
            let request = message(to: String($0), parameters[1], notice: command == "NOTICE", answer: &answer)
            guard let clientTags, let request else { return request.map { .request($0) } }
            return .request(.tagged(request, clientTags: clientTags))
        }
    }

    /// A PRIVMSG or NOTICE to one target: a channel the member is in, or a person.
    /// A NOTICE is answered with no error (RFC 1459: a notice never causes a reply).
    private func message(to target: String, _ text: String, notice quiet: Bool, answer: inout ByteBuffer) -> Request? {
        var text = text
        var action = false
        if text.hasPrefix("\u{1}ACTION ") {
            text = String(text.dropFirst(8))
            if text.hasSuffix("\u{1}") { text = String(text.dropLast()) }
            action = true
        } else if text.hasPrefix("\u{1}") {
            // Other CTCP (VERSION, PING): nobody here answers them.
            return nil
        }
        text = IRCLines.plainText(text)
        guard target.hasPrefix("#") else {
            guard let person = directory.person(target) ?? (namesShared ? target : nil) else {
                if !quiet {
                    answer.writeIRC(from: serverName, numeric: "401", me, target, text: "No such nick/channel")
                }
                return nil
            }
            if !quiet, let away = presence.person(person)?.away {
                answer.writeIRC(from: serverName, numeric: "301", me, IRCLines.nick(person), text: away)
            }
            if quiet, !action { return .privateNotice(to: person, text: text) }
            return .privateMessage(to: person, text: action ? "* \(text)" : text)
        }
        guard let room = speakingRoom(target, quiet: quiet, answer: &answer) else { return nil }
        if action { return .act(text, room: room) }
        return quiet ? .notice(text, room: room) : .say(text, room: room)
    }

    /// A TAGMSG to one target: a channel the member is in, or a person (errors as for PRIVMSG).
    private func tagMessage(to target: String, answer: inout ByteBuffer) -> Request? {
        guard target.hasPrefix("#") else {
            guard let person = directory.person(target) ?? (namesShared ? target : nil) else {
                answer.writeIRC(from: serverName, numeric: "401", me, target, text: "No such nick/channel")
                return nil
            }
            return .privateTagMessage(to: person)
        }
        return speakingRoom(target, quiet: false, answer: &answer).map { .tagMessage(room: $0) }
    }

    /// The member's room a channel names, to speak in; nil (and `404` or `403` unless `quiet`)
    /// when it is not in it.
    private func speakingRoom(_ target: String, quiet: Bool, answer: inout ByteBuffer) -> String? {
        if case .success(let name) = Room.name(target), let room = rooms[Room.key(name)] { return room }
        if quiet { return nil }
        let exists = Room.name(target).map { directory.room($0) != nil } == .success(true)
        if exists {
            answer.writeIRC(
                from: serverName, numeric: "404", me, target, text: "Cannot send to channel (join it first)")
        } else {
            answer.writeIRC(from: serverName, numeric: "403", me, target, text: "No such channel")
        }
        return nil
    }
}

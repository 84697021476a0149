import ChatCore
import ChatModel
import ChatProtocol
import NIOCore

/// The door for chat-client, chat-replay and scripts: JSON lines (docs/PROTOCOL.md), opened by a
/// `hello` object. Errors carry codes; their messages are the plain door's words.
struct JSONDoor: LineDoor {
    /// The limit on a message's text, for the words of a line too long to carry any.
    let maxMessageBytes: Int
    var format: WireFormat { .json }
    var pings: Bool { true }

    func accepts(_ line: ByteBufferView) -> Bool {
        line.first == UInt8(ascii: "{") && line.dropFirst().first == UInt8(ascii: "\"")
    }

    func decode(_ line: InboundLine, stage: DecodeStage) -> DoorInput {
        let naming = stage != .live
        guard case .line(let buffer) = line else {
            guard case .overlong(let count) = line else { return .nothing }
            return .rejected(naming ? .nameTooLong : .lineTooLong(bytes: count, limit: maxMessageBytes))
        }
        let message: ClientMessage
        do {
            message = try ClientMessage.decode(buffer.readableBytesView)
        } catch {
            let failure = Failure.invalid(code: error.code.rawValue, message: error.message)
            return error.code == .unsupportedProtocol ? .fatal(failure) : .rejected(failure)
        }
        switch message {
        case .hello(
            let name, let resumeAfter, let history, let watch, let rooms, let privateAfter, let token, let password):
            return .request(
                .join(
                    JoinRequest(
                        name: name, resumeAfter: resumeAfter, history: history, watch: watch, rooms: rooms,
                        privateAfter: privateAfter, token: token, password: password)))
        case .say(let text, let room): return .request(.say(TextSanitizer.clean(text), room: room))
        case .me(let text, let room): return .request(.act(TextSanitizer.clean(text), room: room))
        case .who(let room): return .request(.who(room: room))
        case .history(let limit, let room): return .request(.history(limit, room: room))
        case .join(let room): return .request(.enter(room))
        case .part(let room): return .request(.part(room))
        case .rooms: return .request(.rooms)
        case .topic(let room, let text): return .request(.topic(room: room, text: text.map { TextSanitizer.clean($0) }))
        case .msg(let to, let text): return .request(.privateMessage(to: to, text: TextSanitizer.clean(text)))
        case .nick(let name): return .request(.rename(name))
        case .quit: return .request(.quit())
        case .register(let password, let invite): return .request(.register(password: password, invite: invite))
        case .kick(let name, let reason): return .request(.kick(name: name, reason: TextSanitizer.clean(reason)))
        case .roomKick(let name, let room, let reason):
            return .request(.kickFromRoom(room: room, name: name, reason: TextSanitizer.clean(reason)))
        case .ban(let target, let seconds, let reason):
            return .request(.ban(target: target, seconds: seconds, reason: TextSanitizer.clean(reason)))
        case .unban(let target): return .request(.unban(target: target))
        case .mute(let name, let seconds, let reason):
            return .request(.mute(name: name, seconds: seconds, reason: TextSanitizer.clean(reason)))
        case .unmute(let name): return .request(.unmute(name: name))
        case .ping: return .request(.ping)
        case .search(let query, let limit): return .request(.search(query, limit: limit))
        // Its arrival is what counts (the idle timer); nothing to do.
        case .pong: return .nothing
        }
    }

    func encode(_ reply: Reply, into buffer: inout ByteBuffer) {
        switch reply {
        case .greeting:
            buffer.writeLine(PlainTexts.greeting)
        case .welcome(let name, _, let session, let room, let token):
            buffer.writeLine(
                ServerMessage.welcome(
                    name: name, session: session, server: "chatroom \(chatroomVersion)", room: room,
                    maxMessageBytes: maxMessageBytes, token: token
                ).json)
        case .history(let block):
            if let gap = block.gap, block.opens {
                buffer.writeLine(
                    ServerMessage.gap(room: block.room, after: gap.after, resumedAfter: gap.resumedAfter).json)
            }
            for event in block.events { buffer.writeLine(ServerMessage.event(event, history: true).json) }
            if block.closes { buffer.writeLine(ServerMessage.historyEnd(room: block.room).json) }
        case .who(let room, let names):
            buffer.writeLine(ServerMessage.who(room: room, names: names).json)
        case .joined(let room, let topic, let names):
            buffer.writeLine(ServerMessage.joined(room: room, topic: topic, names: names).json)
        case .switched, .parted, .putOut:
            // JSON clients name the room of each request; the leave event tells of a part, the
            // room_kick event of a kick.
            break
        case .rooms(let rooms):
            buffer.writeLine(ServerMessage.rooms(rooms).json)
        case .topic(let room, let text, let by, let time):
            buffer.writeLine(ServerMessage.topic(room: room, text: text, by: by, timeMillis: time).json)
        case .renamed(let from, let to):
            buffer.writeLine(ServerMessage.renamed(from: from, to: to).json)
        case .help:
            buffer.writeLine(PlainTexts.help)
        case .notice(.rateLimited(let rate)):
            buffer.writeLine(ServerMessage.notice(code: .rateLimited, message: PlainTexts.rateLimited(rate)).json)
        case .notice(.nameChanged(let change)):
            buffer.writeLine(ServerMessage.notice(code: .nameChanged, message: PlainTexts.nameChanged(change)).json)
        case .error(let failure):
            buffer.writeLine(ServerMessage.error(code: Self.code(failure), message: Self.message(failure)).json)
        case .goodbye:
            break
        case .shutdown(let message):
            buffer.writeLine(ServerMessage.shutdown(message: message ?? "the server is shutting down").json)
        case .passwordNeeded(let name):
            buffer.writeLine(
                ServerMessage.error(
                    code: .passwordRequired, message: "\(name) is a registered name: send hello with its password"
                ).json)
        case .registered(let name):
            buffer.writeLine(ServerMessage.registered(name: name).json)
        case .nowOperator:
            // Only IRC's OPER asks for it.
            break
        case .ping:
            buffer.writeLine(ServerMessage.ping.json)
        case .pong:
            buffer.writeLine(ServerMessage.pong.json)
        case .searchResults(let results):
            buffer.writeLine(ServerMessage.searchResults(query: results.query, hits: results.hits).json)
        case .removed(let by, let reason, let why):
            buffer.writeLine(
                ServerMessage.error(
                    code: reason == .banned ? .banned : .kicked,
                    message: PlainTexts.removed(by: by, reason: reason, why: why)
                ).json)
        }
    }

    private static func code(_ failure: Failure) -> ErrorCode {
        switch failure {
        case .nameReserved: return .nameReserved
        case .nameTooLong, .lineTooLong: return .lineTooLong
        case .notStored, .joinNotStored: return .notStored
        case .emptyMessage: return .emptyMessage
        case .unknownCommand: return .unknownType
        case .joinFirst, .alreadyJoined: return .badSequence
        case .noNameInTime: return .nameTimeout
        case .watchOnly: return .watchOnly
        case .invalid(let code, _): return ErrorCode(rawValue: code) ?? .malformed
        case .badRoomName: return .badRoomName
        case .notInRoom: return .notInRoom
        case .tooManyRooms, .tooManyRoomsForMember, .roomsTooFast: return .roomLimit
        case .lastRoom: return .lastRoom
        case .noSuchName: return .noSuchName
        case .nameTaken, .nameLooksLike: return .nameTaken
        case .usage: return .malformed
        case .wrongPassword: return .wrongPassword
        case .tooManyAttempts, .registeringTooFast: return .tooManyAttempts
        case .noSuchAccount: return .noSuchAccount
        case .accountRequired: return .accountRequired
        case .plaintextPassword: return .plaintextPassword
        case .banned: return .banned
        case .muted: return .muted
        case .notOperator, .notAnOperatorAccount: return .notOperator
        case .notRoomOperator: return .notRoomOperator
        case .moderatedRoom: return .moderated
        case .notInThatRoom: return .notInRoom
        case .registrationClosed: return .registrationClosed
        case .inviteNeeded: return .inviteNeeded
        case .badInvite: return .badInvite
        case .passwordTooShort: return .passwordTooShort
        case .nameRegistered: return .nameRegistered
        case .alreadyRegistered: return .alreadyRegistered
        case .accountsUnavailable: return .accountsUnavailable
        }
    }

    private static func message(_ failure: Failure) -> String {
        switch failure {
        case .nameReserved(let name):
            return "the name \(name) is reserved\(PlainTexts.reservedBecause(name)); send another hello"
        case .noNameInTime: return "no usable hello in time; goodbye"
        case .wrongPassword(let name): return "wrong password for \(name)"
        case .tooManyAttempts(let seconds):
            return "too many wrong passwords; try again in \(Int(seconds.rounded(.up))) s"
        default: return PlainTexts.words(failure)
        }
    }
}

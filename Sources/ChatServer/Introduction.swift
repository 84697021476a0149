import ChatModel
import ChatProtocol
import NIOCore

/// What a newcomer said before joining.
struct Introduction: Sendable {
    var mode: WireMode
    var name: String
    var resumeAfter: Int64?
    var history: Int?
}

extension ChatServer {
    /// What a newcomer's line amounts to.
    enum IntroductionStep {
        case introduced(Introduction)
        case askAgain
        case leave
    }

    /// Reads a newcomer's line: a name (plain mode) or a hello (structured mode).
    func introduction(from input: InboundLine, member: Member) -> IntroductionStep {
        switch input {
        case .overlong:
            member.send(line: PlainTexts.nameTooLong)
            return .askAgain
        case .line(let buffer):
            let bytes = buffer.readableBytesView
            if bytes.first == UInt8(ascii: "{") && bytes.dropFirst().first == UInt8(ascii: "\"") {
                // Structured mode: a JSON hello.
                member.mode = .structured
                do {
                    guard case .hello(let raw, let resumeAfter, let history) = try ClientMessage.decode(bytes) else {
                        reply(member, .error(code: .badSequence, message: "send hello first"))
                        return .askAgain
                    }
                    let name = NameRules.normalize(raw)
                    if NameRules.isReserved(name) {
                        reply(
                            member,
                            .error(code: .nameReserved, message: "the name \(name) is reserved; send another hello"))
                        return .askAgain
                    }
                    return .introduced(
                        Introduction(
                            mode: .structured, name: name.isEmpty ? NameRules.defaultName : name,
                            resumeAfter: resumeAfter, history: history))
                } catch {
                    reply(member, .error(code: error.code, message: error.message))
                    return error.code == .unsupportedProtocol ? .leave : .askAgain
                }
            }
            let text = TextSanitizer.clean(bytes: bytes)
            if PlainTexts.quitCommands.contains(text.trimmingWhitespace.lowercased()) { return .leave }
            let name = NameRules.normalize(text)
            if NameRules.isReserved(name) {
                member.send(line: PlainTexts.reserved(name))
                return .askAgain
            }
            return .introduced(Introduction(mode: .plain, name: name.isEmpty ? NameRules.defaultName : name))
        }
    }
}

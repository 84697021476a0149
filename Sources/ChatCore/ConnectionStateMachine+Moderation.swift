import ChatModel
import ChatStore

/// Operators: room operators' modes and kicks, server operators' kicks, bans and mutes, and the password that elevates an operator account.
extension ConnectionStateMachine {
    /// Whether `member` may change `room`'s modes: its operators, and the server's.
    /// `name` as a member of `room` (on any node) spells it; nil when no member has that name.
    func roomMember(_ name: String, in room: String) -> String? {
        let key = NameRules.skeleton(name)
        return directory.members(of: room).first { NameRules.skeleton($0.name) == key }?.name
    }

    func isOperator(_ member: Member, in room: String) -> Bool {
        member.role == .operator || directory.roles(of: connection, in: room).contains(.operator)
    }

    /// The events of the changes that change something, targets spelled as their holders spell them.
    func modeEvents(_ changes: [RoomModeChange], in room: String, by name: String) -> [NewEvent] {
        var flags = directory.flags(of: room)
        // On every node: a member of another node is named as its node spells it.
        var members = Dictionary(
            directory.members(of: room).map { (NameRules.skeleton($0.name), $0) }, uniquingKeysWith: { a, _ in a }
        )
        var events: [NewEvent] = []
        for change in changes {
            switch change {
            case .flag(let flag, let on):
                guard flags.contains(flag) != on else { continue }
                if on { flags.insert(flag) } else { flags.remove(flag) }
                events.append(event(.mode, by: name, in: room, text: change.text))
            case .role(let role, let on, let typed):
                let key = NameRules.skeleton(typed)
                guard let held = members[key]?.roles, held.contains(role) != on else { continue }
                members[key]?.roles = on ? held.union([role]) : held.subtracting([role])
                var event = event(.mode, by: name, in: room, text: change.text)
                event.target = members[key]?.name
                events.append(event)
            }
        }
        return events
    }

    /// An operator account's password was checked (`Request.elevate`).
    public mutating func operatorChecked(_ outcome: LoginOutcome) -> [ConnectionAction] {
        guard case .live(var member, waiting: .elevating(let account)) = state else { return [] }
        let reply: Reply
        switch outcome {
        case .account(_, .operator):
            member.role = .operator
            directory.markServerOperator(connection)
            reply = .nowOperator
        case .account(let name, _):
            reply = .error(.notAnOperatorAccount(name))
        case .refused(let failure), .banned(let failure):
            reply = .error(failure)
        case .guest, .passwordNeeded:
            reply = .error(.notAnOperatorAccount(account))
        }
        state = .live(member, waiting: nil)
        return [.send(reply)] + resume()
    }

    /// An operator's act: stored, recorded in `room` (the operator's current room unless given),
    /// then carried out.
    mutating func moderate(
        _ change: Moderation.Change, _ kind: EventKind, target: String, text: String,
        removing removal: Moderation.Removal?, by member: Member, in room: String? = nil
    ) -> [ConnectionAction] {
        state = .live(member, waiting: .moderating)
        let event = NewEvent(
            kind: kind, room: room ?? member.current, user: member.name, text: text, connection: connection,
            target: target)
        return [.moderate(Moderation(change: change, event: event, removes: removal))]
    }

    /// A ban's or a mute's text in its event: how long, and why.
    static func sanctionText(_ seconds: Int?, _ reason: String) -> String {
        let length = seconds.map { "for " + DurationWords.text(seconds: $0) } ?? ""
        return [length, reason].filter { !$0.isEmpty }.joined(separator: ", ")
    }

    /// An operator's act was carried out (or `failure` says why not).
    public mutating func moderationDone(_ failure: Failure?) -> [ConnectionAction] {
        guard case .live(let member, waiting: .moderating) = state else { return [] }
        state = .live(member, waiting: nil)
        return (failure.map { [.send(.error($0))] } ?? []) + resume()
    }
}

import ChatModel
import ChatStore

/// A live member's requests: checked (`ask`), then carried out (`perform`).
extension ConnectionStateMachine {
    /// Checks what a live member asks, takes a token for it, and does it (or waits for the rate limit).
    mutating func ask(_ request: Request, from member: Member) -> [ConnectionAction] {
        var member = member
        if request.isSpeech, let mute = accounts.mute(of: member.name) {
            return [.send(.error(.muted(Accounts.words(mute))))]
        }
        switch request.untagged {
        case .ping:
            return [.send(.pong)]
        case .join, .password:
            return [.send(.error(.alreadyJoined))]
        case .register where member.watching:
            return [.send(.error(.watchOnly))]
        case .register:
            if member.role != nil { return [.send(.error(.alreadyRegistered(member.name)))] }
            if accounts.registration == .closed { return [.send(.error(.registrationClosed))] }
            if !accounts.mayCarryPassword(peer) { return [.send(.error(.plaintextPassword))] }
        case .kick, .ban, .unban, .mute, .unmute:
            guard member.role == .operator, !member.watching else { return [.send(.error(.notOperator))] }
            switch request {
            case .kick(let name, _), .mute(let name, _, _), .unmute(let name):
                if directory.anyone(name) == nil, case .kick = request { return [.send(.error(.noSuchName(name)))] }
                if NameRules.normalize(name).isEmpty { return [.send(.error(.usage("/kick NAME [REASON]")))] }
            default:
                break
            }
        case .quit where member.watching:
            // Nothing to record: out of the fan-out, then goodbye.
            state = .quitting(name: nil)
            return [.leaveServer(name: member.name), .finish(.goodbye)]
        case .quit(let why):
            state = .quitting(name: member.name)
            return [
                .recordQuit(member.rooms.map { event(.leave, by: member.name, in: $0, text: why, reason: .quit) })
            ]
        case .say where member.watching, .act where member.watching, .notice where member.watching,
            .privateMessage where member.watching, .privateNotice where member.watching,
            .topic(_, .some) where member.watching, .rename where member.watching, .mode where member.watching,
            .elevate where member.watching, .tagMessage where member.watching,
            .privateTagMessage where member.watching, .kickFromRoom where member.watching:
            return [.send(.error(.watchOnly))]
        case .say(let text, let room), .act(let text, let room), .notice(let text, let room):
            if let failure = check(text) { return [.send(.error(failure))] }
            if let failure = floorRefused(member, in: room) { return [.send(.error(failure))] }
        case .tagMessage(let room):
            if let failure = floorRefused(member, in: room) { return [.send(.error(failure))] }
        case .privateMessage(let to, let text), .privateNotice(let to, let text):
            if let failure = check(text) { return [.send(.error(failure))] }
            if directory.person(to) == nil, !configuration.namesShared { return [.send(.error(.noSuchName(to)))] }
        case .privateTagMessage(let to):
            if directory.person(to) == nil, !configuration.namesShared { return [.send(.error(.noSuchName(to)))] }
        case .kickFromRoom(let typed, let name, _):
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed ?? member.current)))] }
            guard isOperator(member, in: room) else { return [.send(.error(.notRoomOperator(room)))] }
            if roomMember(name, in: room) == nil {
                guard let person = directory.anyone(name) else { return [.send(.error(.noSuchName(name)))] }
                return [.send(.error(.notInThatRoom(person, room: room)))]
            }
        case .tagged:
            break  // never: `untagged` took the tags off
        case .topic(let typed, let text):
            if let text, text.utf8.count > configuration.maxMessageBytes {
                return [.send(.error(.lineTooLong(bytes: text.utf8.count, limit: configuration.maxMessageBytes)))]
            }
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed ?? member.current)))] }
            if text != nil, directory.flags(of: room).contains(.topicLocked), !isOperator(member, in: room) {
                return [.send(.error(.notRoomOperator(room)))]
            }
        case .mode(let typed, let changes):
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed)))] }
            guard isOperator(member, in: room) else { return [.send(.error(.notRoomOperator(room)))] }
            let present = Set(directory.members(of: room).map { NameRules.skeleton($0.name) })
            for case .role(_, _, let name) in changes where !present.contains(NameRules.skeleton(name)) {
                if directory.person(name) == nil { return [.send(.error(.noSuchName(name)))] }
                return [.send(.error(.notInThatRoom(name, room: room)))]
            }
        case .elevate where member.role == .operator:
            return [.send(.nowOperator)]
        case .elevate:
            break
        case .history(_, let room):
            if member.room(room) == nil { return [.send(.error(.notInRoom(room ?? member.current)))] }
        case .historyWindow(_, let room):
            if member.room(room) == nil { return [.send(.error(.notInRoom(room)))] }
        case .who(let room?):
            if directory.room(room) == nil { return [.send(.error(.notInRoom(room)))] }
        case .switchTo(let typed):
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed)))] }
            return switchTo(room, member)
        case .enter(let typed, _):
            let name: String
            switch Room.name(typed) {
            case .failure(let problem): return [.send(.error(.badRoomName(problem)))]
            case .success(let valid): name = valid
            }
            if let room = member.room(name) { return switchTo(room, member) }
            if member.rooms.count >= configuration.maxRoomsPerMember {
                return [.send(.error(.tooManyRoomsForMember(limit: configuration.maxRoomsPerMember)))]
            }
            if directory.room(name) == nil, !member.watching {
                let wait = member.creations.takeIfAvailable(now: now())
                state = .live(member, waiting: nil)
                if wait > 0 { return [.send(.error(.roomsTooFast(seconds: wait)))] }
            }
        case .part(let typed, _):
            guard let room = member.room(typed) else { return [.send(.error(.notInRoom(typed ?? member.current)))] }
            if member.rooms.count == 1, !member.roomless { return [.send(.error(.lastRoom(room)))] }
        case .rename(let typed):
            let name = NameRules.normalize(typed)
            if name.isEmpty { return [.send(.error(.usage("/nick NAME")))] }
            if NameRules.isReserved(name) { return [.send(.error(.nameReserved(name)))] }
            if name == member.name { return [] }
            if let holder = directory.person(name), NameRules.skeleton(holder) != NameRules.skeleton(member.name) {
                return [.send(.error(.taken(name, holder: holder)))]
            }
        case .search(let words, _):
            if words.trimmingWhitespace.isEmpty { return [.send(.error(.usage("/search WORDS")))] }
        case .who, .help, .rooms:
            break
        }
        // Every request that makes output or an event takes a token.
        let wait = member.limiter.take(now: now())
        guard wait > 0 else {
            state = .live(member, waiting: nil)
            return perform(request, as: member)
        }
        var actions: [ConnectionAction] = []
        if !member.warned {
            member.warned = true
            actions.append(.send(.notice(.rateLimited(rate: member.limiter.rate))))
        }
        state = .live(member, waiting: .delayed(request))
        return actions + [.delay(seconds: wait)]
    }

    /// Why `member` may not speak in `typed` (nil: the current room): not in it, or it is moderated
    /// and the member neither its operator nor voiced.
    func floorRefused(_ member: Member, in typed: String?) -> Failure? {
        guard let room = member.room(typed) else { return .notInRoom(typed ?? member.current) }
        if directory.flags(of: room).contains(.moderated), !isOperator(member, in: room),
            !directory.roles(of: connection, in: room).contains(.voice)
        {
            return .moderatedRoom(room)
        }
        return nil
    }

    /// The one check of a message's text, for every door: not empty, and within the limit as it
    /// would be stored.
    func check(_ text: String) -> Failure? {
        if text.trimmingWhitespace.isEmpty { return .emptyMessage }
        let bytes = text.utf8.count
        if bytes > configuration.maxMessageBytes {
            return .lineTooLong(bytes: bytes, limit: configuration.maxMessageBytes)
        }
        return nil
    }

    mutating func switchTo(_ room: String, _ member: Member) -> [ConnectionAction] {
        var member = member
        member.current = room
        state = .live(member, waiting: nil)
        return [.roomsChanged(current: room, rooms: member.rooms), .send(.switched(room: room))]
    }

    /// Does what a live member asked, its token taken.
    /// `found`: the recipient of a private message, found on another node.
    mutating func perform(_ request: Request, as member: Member, found: String? = nil) -> [ConnectionAction] {
        switch request {
        case .say(let text, let room):
            guard let room = member.room(room) else { return [] }
            return [.record(event(.message, by: member.name, in: room, text: text))]
        case .act(let text, let room):
            guard let room = member.room(room) else { return [] }
            return [.record(event(.action, by: member.name, in: room, text: text))]
        case .notice(let text, let room):
            guard let room = member.room(room) else { return [] }
            return [.record(event(.notice, by: member.name, in: room, text: text))]
        case .tagged(let inner, let tags):
            let actions = perform(inner, as: member, found: found)
            // Looked up across the nodes first: the tags wait with it.
            if case .live(let member, waiting: .findingName) = state {
                state = .live(member, waiting: .findingName(request))
            }
            return actions.map { action in
                guard case .record(var event) = action else { return action }
                event.clientTags = tags
                return .record(event)
            }
        case .tagMessage(let room):
            guard let room = member.room(room) else { return [] }
            return [.record(event(.tagMessage, by: member.name, in: room))]
        case .privateTagMessage(let to):
            guard let recipient = found ?? directory.person(to) else { return findRecipient(to, of: request, member) }
            return [
                .record(
                    NewEvent(
                        kind: .tagMessage, room: Room.privateName, user: member.name, connection: connection,
                        recipient: recipient))
            ]
        case .privateMessage(let to, let text), .privateNotice(let to, let text):
            guard let recipient = found ?? directory.person(to) else { return findRecipient(to, of: request, member) }
            let kind: EventKind = if case .privateNotice = request { .notice } else { .message }
            return [
                .record(
                    NewEvent(
                        kind: kind, room: Room.privateName, user: member.name, text: text, connection: connection,
                        recipient: recipient))
            ]
        case .mode(let typed, let changes):
            guard let room = member.room(typed) else { return [] }
            let events = modeEvents(changes, in: room, by: member.name)
            if events.isEmpty { return [] }
            state = .live(member, waiting: .changingRoom(room))
            return [.recordRoomChange(events)]
        case .elevate(let account, let password):
            state = .live(member, waiting: .elevating(account))
            return [.checkOperator(account: account, password: password)]
        case .who(let room):
            let room = room.flatMap { directory.room($0) } ?? member.current
            return [.send(.who(room: room, names: directory.names(in: room)))]
        case .help:
            return [.send(.help)]
        case .rooms:
            return [.send(.rooms(directory.summaries(for: connection)))]
        case .topic(let room, nil):
            guard let room = member.room(room) else { return [] }
            let topic = directory.topic(of: room)
            return [.send(.topic(room: room, text: topic?.text ?? "", by: topic?.by, timeMillis: topic?.timeMillis))]
        case .topic(let room, let text?):
            guard let room = member.room(room) else { return [] }
            state = .live(member, waiting: .changingRoom(room))
            return [.recordRoomChange([event(.topic, by: member.name, in: room, text: text)])]
        case .history(let limit, let room):
            guard let room = member.room(room) else { return [] }
            state = .live(member, waiting: .history(room))
            return [.readHistory(room: room, limit: limit ?? configuration.history)]
        case .historyWindow(let query, let room):
            guard let room = member.room(room) else { return [] }
            state = .live(member, waiting: .history(room))
            return [.readHistoryWindow(room: room, query: query)]
        case .search(let words, let limit):
            var scope = SearchScope.member(member.name, rooms: member.rooms, limit: limit)
            if !member.ownsPrivate { scope.privateMessages = .none }
            state = .live(member, waiting: .searching)
            return [.readSearch(words, scope: scope)]
        case .enter(let typed, let resumeAfter):
            guard case .success(let name) = Room.name(typed) else { return [] }
            var room = directory.room(name) ?? name
            if !member.watching {
                switch directory.enter(connection, named: member.name, room: name, maxRooms: configuration.maxRooms) {
                case .success(let entered): room = entered
                case .failure(let failure): return [.send(.error(failure))]
                }
            }
            state = .live(member, waiting: .entering(room))
            return startEntry(RoomResume(room: room, resumeAfter: resumeAfter), first: false)
        case .part(let typed, let why):
            guard let room = member.room(typed) else { return [] }
            state = .live(member, waiting: .parting(room))
            return [.recordPart(event(.leave, by: member.name, in: room, text: why, reason: .part))]
        case .rename(let typed):
            let new = NameRules.normalize(typed)
            // Another name (not another case of one's own) may be somebody's account: looked up first.
            if accounts.hasAccounts, NameRules.skeleton(new) != NameRules.skeleton(member.name) {
                state = .live(member, waiting: .checkingName(new))
                return [.checkName(new)]
            }
            return rename(member, to: new)
        case .register(let password, let invite):
            state = .live(member, waiting: .registering)
            return [.register(name: member.name, password: password, invite: invite)]
        case .kick(let typed, let reason):
            // Anyone in a room of any node: another node puts its member out (`SharedSanctions`).
            guard let target = directory.anyone(typed) else { return [.send(.error(.noSuchName(typed)))] }
            let removal = Moderation.Removal(name: target, reason: .kicked)
            return moderate(.none, .kick, target: target, text: reason, removing: removal, by: member)
        case .kickFromRoom(let typed, let name, let reason):
            // The member may be on another node: it is put out where the kick is delivered to it.
            guard let room = member.room(typed), let target = roomMember(name, in: room) else { return [] }
            let removal = Moderation.Removal(name: target, reason: .kicked, room: room)
            return moderate(.none, .roomKick, target: target, text: reason, removing: removal, by: member, in: room)
        case .ban(let typed, let seconds, let reason):
            let isAddress = ModerationTarget.isAddress(typed)
            let target = isAddress ? typed : directory.person(typed) ?? NameRules.normalize(typed)
            let change = Moderation.Change.impose(
                .ban, name: isAddress ? nil : target, address: isAddress ? typed : nil, seconds: seconds, reason: reason
            )
            let present = isAddress || directory.person(target) != nil
            let removal = Moderation.Removal(
                name: isAddress ? nil : target, address: isAddress ? typed : nil, reason: .banned)
            return moderate(
                change, .ban, target: target, text: Self.sanctionText(seconds, reason),
                removing: present ? removal : nil, by: member)
        case .unban(let typed):
            let isAddress = ModerationTarget.isAddress(typed)
            let target = isAddress ? typed : NameRules.normalize(typed)
            let change = Moderation.Change.lift(.ban, name: isAddress ? nil : target, address: isAddress ? typed : nil)
            return moderate(change, .unban, target: target, text: "", removing: nil, by: member)
        case .mute(let typed, let seconds, let reason):
            let target = directory.person(typed) ?? NameRules.normalize(typed)
            let change = Moderation.Change.impose(.mute, name: target, address: nil, seconds: seconds, reason: reason)
            return moderate(
                change, .mute, target: target, text: Self.sanctionText(seconds, reason), removing: nil, by: member)
        case .unmute(let typed):
            let target = directory.person(typed) ?? NameRules.normalize(typed)
            let change = Moderation.Change.lift(.mute, name: target, address: nil)
            return moderate(change, .unmute, target: target, text: "", removing: nil, by: member)
        case .switchTo, .join, .quit, .password, .ping:
            return []
        }
    }

    /// A private message to a name not present here: on nodes that share names, its holder is
    /// looked up across them first (`findName`); otherwise there is no such name.
    mutating func findRecipient(_ to: String, of request: Request, _ member: Member) -> [ConnectionAction] {
        guard configuration.namesShared else { return [.send(.error(.noSuchName(to)))] }
        state = .live(member, waiting: .findingName(request))
        return [.findName(to)]
    }

    /// The recipient of a private message was looked up across the nodes: `holder` is its name as
    /// its holder spells it (nil: nobody holds it, or the nodes could not be asked).
    public mutating func nameFound(_ holder: String?) -> [ConnectionAction] {
        guard case .live(let member, waiting: .findingName(let request)) = state else { return [] }
        state = .live(member, waiting: nil)
        guard let holder else {
            let to: String
            switch request.untagged {
            case .privateMessage(let name, _), .privateNotice(let name, _), .privateTagMessage(let name): to = name
            default: to = ""
            }
            return [.send(.error(.noSuchName(to)))] + resume()
        }
        let actions = perform(request, as: member, found: holder)
        return actions + resume()
    }
}

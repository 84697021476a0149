import ChatModel

/// The committed events: topics and modes for every room, and, on a database shared by several
/// nodes, the other nodes' members of each room and the rooms they make.
extension ChatDirectory {
    /// From now on `committed` also keeps the members of other sessions (other nodes on one
    /// PostgreSQL database) in each room, from their joins, leaves (any reason, the reaper's too),
    /// renames and room kicks, and makes the rooms they name. `ownSession`: this node's session,
    /// whose events change no member here (its members are in already); nil until it is known
    /// (it has no events before). Off by default: one node (SQLite) keeps its own members only.
    public func followOtherSessions(ownSession: Int64? = nil) {
        state.withLock { state in
            state.followsOthers = true
            state.ownSession = ownSession
        }
    }

    /// Takes note of committed events, in id order: topics and modes; with
    /// `followOtherSessions`, other sessions' members. Taking an event twice changes nothing.
    public func committed(_ events: [Event]) {
        state.withLock { state in
            guard state.followsOthers || events.contains(where: { $0.kind == .topic || $0.kind == .mode }) else {
                return
            }
            for event in events { state.apply(event) }
        }
    }

    /// The name as given of whoever has `name`'s skeleton: on this node (`person`), or a member
    /// of a room on another node; nil when nobody does.
    public func anyone(_ name: String) -> String? {
        let key = NameRules.skeleton(name)
        return state.withLock { state in
            if let person = state.people[key] { return person.name }
            for room in state.rooms.values {
                if let seat = room.seat(named: name), seat.session != nil { return room.members[seat] }
            }
            return nil
        }
    }
}

extension ChatDirectory.State {
    /// Whether `event` is another session's, whose members this directory follows.
    private func isOthers(_ event: Event) -> Bool {
        followsOthers && event.session != ownSession && event.connection != nil && !event.isPrivate
    }

    mutating func apply(_ event: Event) {
        let others = isOthers(event)
        if others, [.join, .topic, .mode].contains(event.kind) { makeRoom(event.room) }
        let key = Room.key(event.room)
        let seat = ChatDirectory.Seat(session: event.session, connection: event.connection ?? 0)
        switch event.kind {
        case .topic:
            rooms[key]?.topic = ChatDirectory.Topic(text: event.text, by: event.user, timeMillis: event.timeMillis)
        case .mode:
            switch RoomModeChange(text: event.text, target: event.target) {
            case .flag(let flag, true): rooms[key]?.flags.insert(flag)
            case .flag(let flag, false): rooms[key]?.flags.remove(flag)
            case .role(let role, let on, let name):
                guard let target = rooms[key]?.seat(named: name) else { break }
                if on {
                    rooms[key]?.roles[target, default: []].insert(role)
                } else {
                    rooms[key]?.roles[target]?.remove(role)
                }
            case nil: break
            }
        case .join where others:
            if rooms[key]?.members[seat] == nil { rooms[key]?.enter(seat, named: event.user, committed: true) }
        case .join where followsOthers && event.session == ownSession:
            rooms[key]?.joinCommitted(.local(event.connection ?? 0))
        case .leave where others:
            rooms[key]?.remove(seat)
        case .rename where others:
            if rooms[key]?.members[seat] != nil { rooms[key]?.members[seat] = event.text }
        case .roomKick where followsOthers:
            // Whichever node kicked: a member of another node leaves the view here; one of this
            // node is put out as the kick is delivered to it (`RoomHub.deliver`).
            if let target = event.target, let kicked = rooms[key]?.seat(named: target), kicked.session != nil {
                rooms[key]?.remove(kicked)
            }
        default:
            break
        }
    }
}

import ChatModel
import ChatStore

/// Entering rooms: a hello's rooms (or one room a live member enters), each room's catch-up read and sent a page at a time, then the joins stored.
extension ConnectionStateMachine {
    /// A room's catch-up was read (an empty one when the read failed).
    public mutating func caughtUp(_ catchUp: CatchUp) -> [ConnectionAction] {
        guard var entry, entry.paging == nil, Room.key(entry.room) == Room.key(catchUp.room) else { return [] }
        var replies: [ConnectionAction] = []
        switch state {
        case .catchingUp(let member, let requested, let change) where entry.first:
            replies = welcome(member, requested: requested, change: change)
        case .catchingUp, .live(_, waiting: .entering):
            let topic = directory.topic(of: entry.room)?.text ?? ""
            replies = [.send(.joined(room: entry.room, topic: topic, names: directory.names(in: entry.room)))]
        default:
            return []
        }
        let paged = catchUp.isPaged && stopping == nil && !inputClosed
        let history =
            catchUp.isPaged
            ? HistoryBlock(
                catchUpPage: catchUp.events, gap: catchUp.gap, total: catchUp.total, opens: true, closes: !paged,
                room: entry.room)
            : HistoryBlock(purpose: .catchUp, events: catchUp.events, gap: catchUp.gap, room: entry.room)
        // Once the server is stopping, its notice is already on the way: nothing more to say.
        replies = stopping == nil ? replies + [.send(.history(history))] : []
        if paged, let through = catchUp.through {
            // The rest a page at a time, each once the member is under its budget.
            entry.paging = Paging(
                after: catchUp.events.last?.id ?? catchUp.gap?.resumedAfter ?? catchUp.resumeAfter ?? 0,
                through: through, total: catchUp.total)
            self.entry = entry
            return replies + nextPage()
        }
        self.entry = nil
        return replies + entered(entry.room, seenThrough: catchUp.seenThrough)
    }

    /// The welcome of a hello, the name it got if not the one asked for, and what it asked for
    /// that could not be done.
    mutating func welcome(_ member: Member, requested: String, change: NameChange?) -> [ConnectionAction] {
        let welcome = Reply.welcome(
            name: member.name, requested: requested, session: session, room: member.current,
            token: member.watching ? nil : token)
        var replies: [ConnectionAction] = [.send(welcome)] + (change.map { [.send(.notice(.nameChanged($0)))] } ?? [])
        replies += helloFailures.map { .send(.error($0)) }
        helloFailures = []
        return replies
    }

    /// A page of a catch-up sent in pages was read (an empty one when the read failed).
    public mutating func catchUpPageRead(_ events: [Event]) -> [ConnectionAction] {
        guard var entry, var paging = entry.paging, paging.reading else { return [] }
        paging.reading = false
        let last = events.last.map { $0.id >= paging.through } ?? true
        let ending = last || stopping != nil || inputClosed
        var actions: [ConnectionAction] = []
        if stopping == nil {
            let block = HistoryBlock(
                catchUpPage: events, total: paging.total, opens: false, closes: ending, room: entry.room)
            actions.append(.send(.history(block)))
        }
        guard !ending, let after = events.last?.id else {
            self.entry = nil
            return actions + entered(entry.room, seenThrough: paging.through)
        }
        paging.after = after
        entry.paging = paging
        self.entry = entry
        return actions + nextPage()
    }

    /// The next page of a catch-up, if one is owed and the member is under its budget.
    mutating func nextPage() -> [ConnectionAction] {
        guard var entry, var paging = entry.paging, !paging.reading, writable else { return [] }
        paging.reading = true
        entry.paging = paging
        self.entry = entry
        return [.readCatchUpPage(room: entry.room, after: paging.after, through: paging.through)]
    }

    /// Starts entering `room`: its live events are held back while its catch-up is read.
    mutating func startEntry(_ room: RoomResume, first: Bool) -> [ConnectionAction] {
        entry = Entry(room: room.room, resumeAfter: room.resumeAfter, first: first)
        return [.enter(room: room.room, resumeAfter: room.resumeAfter, history: helloHistory)]
    }

    /// `room`'s catch-up is sent: its live events from now on. A hello goes on with its next room,
    /// then its private messages, then stores its joins; a live member stores its join.
    mutating func entered(_ room: String, seenThrough: Int64) -> [ConnectionAction] {
        let live: [ConnectionAction] = [.goLive(room: room, seenThrough: seenThrough)]
        switch state {
        case .catchingUp(var member, let requested, let change):
            member.rooms.append(room)
            state = .catchingUp(member, requested: requested, change: change)
            return live + helloGoesOn(member)
        case .live(var member, waiting: .entering):
            guard !member.watching else {
                member.rooms.append(room)
                member.current = room
                state = .live(member, waiting: nil)
                return live + [.roomsChanged(current: room, rooms: member.rooms)] + resume()
            }
            return live + [.recordJoin(event(.join, by: member.name, in: room))]
        default:
            return live
        }
    }

    /// A hello's room is entered: on with its next room, then its private messages, then its joins.
    mutating func helloGoesOn(_ member: Member) -> [ConnectionAction] {
        let goingOn = stopping == nil && !inputClosed
        if goingOn, !pendingRooms.isEmpty { return startEntry(pendingRooms.removeFirst(), first: false) }
        pendingRooms = []
        if goingOn, let after = privateAfter {
            privateAfter = nil
            return [.readPrivate(name: member.name, after: after)]
        }
        let mailbox: [ConnectionAction] = member.watching ? [] : [.goLive(room: Room.privateName, seenThrough: 0)]
        return mailbox + joinAll(member)
    }

    /// A hello's private messages since its `privateAfter` were read, up to `through`.
    public mutating func privateRead(_ events: [Event], through: Int64) -> [ConnectionAction] {
        guard case .catchingUp(let member, _, _) = state else { return [] }
        var actions: [ConnectionAction] = []
        if stopping == nil, !events.isEmpty {
            actions.append(.send(.history(HistoryBlock(purpose: .catchUp, events: events, room: Room.privateName))))
        }
        return actions + [.goLive(room: Room.privateName, seenThrough: through)] + joinAll(member)
    }

    /// A hello's catch-ups are sent: its joins are stored (a watcher's are not: it is live at
    /// once, and handles what queued up).
    mutating func joinAll(_ member: Member) -> [ConnectionAction] {
        if member.watching || member.rooms.isEmpty {
            state = .live(member, waiting: nil)
            return [.roomsChanged(current: member.current, rooms: member.rooms)] + resume()
        }
        state = .joining(member)
        return [.recordJoins(member.rooms.map { event(.join, by: member.name, in: $0) })]
    }

    /// The joins of a hello are committed: the member is live.
    public mutating func joinStored() -> [ConnectionAction] {
        guard case .joining(let member) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.roomsChanged(current: member.current, rooms: member.rooms)] + resume()
    }

    /// The joins of a hello could not be stored: the member is told and leaves; no leave is recorded.
    public mutating func joinFailed(_ reason: String) -> [ConnectionAction] {
        guard case .joining(let member) = state else { return [] }
        queue = []
        let told: [ConnectionAction] = [.send(.error(.joinNotStored(reason))), .leaveServer(name: member.name)]
        if inputClosed {
            state = .closed
            return told + [.closed(stopping ?? .connectionLost)]
        }
        state = .quitting(name: nil)
        return told + [.finish(nil)]
    }

    /// The join of a room entered while live is committed: it is the current room now.
    public mutating func roomJoinStored() -> [ConnectionAction] {
        guard case .live(var member, waiting: .entering(let room)) = state else { return [] }
        member.rooms.append(room)
        member.current = room
        state = .live(member, waiting: nil)
        return [.roomsChanged(current: room, rooms: member.rooms)] + resume()
    }

    /// The join of a room entered while live could not be stored: the member stays out of it.
    public mutating func roomJoinFailed(_ reason: String) -> [ConnectionAction] {
        guard case .live(let member, waiting: .entering(let room)) = state else { return [] }
        directory.leave(connection, room: room)
        state = .live(member, waiting: nil)
        return [.unsubscribe(room: room), .send(.error(.notStored(reason)))] + resume()
    }
}

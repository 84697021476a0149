import ChatModel
import ChatStore

/// The steps a live member waited on, done: a history or search read, a rate-limit delay, a part, a room change or a rename stored, the quit's leaves committed.
extension ConnectionStateMachine {
    /// The history asked for was read.
    public mutating func historyRead(_ events: [Event]) -> [ConnectionAction] {
        guard case .live(let member, waiting: .history(let room)) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.send(.history(HistoryBlock(purpose: .request, events: events, room: room)))] + resume()
    }

    /// The search asked for was read.
    public mutating func searchRead(_ results: SearchResults) -> [ConnectionAction] {
        guard case .live(let member, waiting: .searching) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.send(.searchResults(results))] + resume()
    }

    /// The rate-limit delay is over: the request that waited is handled.
    public mutating func delayOver() -> [ConnectionAction] {
        guard case .live(let member, waiting: .delayed(let request)) = state else { return [] }
        state = .live(member, waiting: nil)
        return perform(request, as: member) + resume()
    }

    /// A message could not be stored: only its sender hears.
    public mutating func storeFailed(_ reason: String) -> [ConnectionAction] {
        switch state {
        case .live, .joining, .catchingUp: return [.send(.error(.notStored(reason)))]
        default: return []
        }
    }

    /// A part is committed (and fanned out): out of the room.
    public mutating func partStored() -> [ConnectionAction] {
        guard case .live(var member, waiting: .parting(let room)) = state else { return [] }
        member.rooms.removeAll { Room.key($0) == Room.key(room) }
        if Room.key(member.current) == Room.key(room) { member.current = member.rooms.last ?? directory.defaultRoom }
        directory.leave(connection, room: room)
        state = .live(member, waiting: nil)
        return [
            .unsubscribe(room: room), .roomsChanged(current: member.current, rooms: member.rooms),
            .send(.parted(room: room, current: member.current)),
        ] + resume()
    }

    /// A part could not be stored: the member stays in the room.
    public mutating func partFailed(_ reason: String) -> [ConnectionAction] {
        guard case .live(let member, waiting: .parting) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.send(.error(.notStored(reason)))] + resume()
    }

    /// A topic or a mode change is committed: the next line may ask for it.
    public mutating func roomChangeStored() -> [ConnectionAction] {
        guard case .live(let member, waiting: .changingRoom) = state else { return [] }
        state = .live(member, waiting: nil)
        return resume()
    }

    /// A topic or a mode change could not be stored: the room stays as it was.
    public mutating func roomChangeFailed(_ reason: String) -> [ConnectionAction] {
        guard case .live(let member, waiting: .changingRoom) = state else { return [] }
        state = .live(member, waiting: nil)
        return [.send(.error(.notStored(reason)))] + resume()
    }

    /// The renames are committed: the member has its new name.
    public mutating func renameStored() -> [ConnectionAction] {
        guard case .live(var member, waiting: .renaming(let new)) = state else { return [] }
        let old = member.name
        member.name = new
        member.ownsPrivate = false
        state = .live(member, waiting: nil)
        return [.movePrivate(from: old, to: new), .send(.renamed(from: old, to: new))] + resume()
    }

    /// The renames could not be stored: the member keeps its name.
    public mutating func renameFailed(_ reason: String) -> [ConnectionAction] {
        guard case .live(let member, waiting: .renaming(let new)) = state else { return [] }
        _ = directory.rename(connection, from: new, to: member.name)
        state = .live(member, waiting: nil)
        return [.send(.error(.notStored(reason)))] + resume()
    }

    /// The quit's leaves are committed, and their fan-out handed on: goodbye.
    public mutating func leaveCommitted() -> [ConnectionAction] {
        guard case .quitting(let name) = state else { return [] }
        // Out of the rooms as soon as they have seen the leave: the name is free again.
        let left: [ConnectionAction] = name.map { [.leaveServer(name: $0)] } ?? []
        guard inputClosed else {
            state = .quitting(name: nil)
            return left + [.finish(.goodbye)]
        }
        // The connection closed while the leave was being stored.
        state = .closed
        return left + [.closed(.quit)]
    }
}

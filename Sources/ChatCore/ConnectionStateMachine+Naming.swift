import ChatModel
import ChatStore

/// Naming: a newcomer's name or hello checked against the accounts, claimed across the nodes and admitted; a live member's rename.
extension ConnectionStateMachine {
    mutating func introduce(_ request: Request) -> [ConnectionAction] {
        switch request {
        case .join(let join):
            let normalized = NameRules.normalize(join.name)
            if !join.watch, NameRules.isReserved(normalized) { return [.send(.error(.nameReserved(normalized)))] }
            pendingJoin = nil
            // A watcher takes no name, so it needs no account, unless the server admits none but
            // registered names.
            if join.watch && !accounts.requireAccount { return admit(join, role: nil) }
            let name = normalized.isEmpty ? NameRules.defaultName : normalized
            pendingJoin = join
            state = .identifying(name: name)
            if let outcome = accounts.outcomeWithoutLookup(name: name, password: join.password, peer: peer) {
                return loginChecked(outcome)
            }
            return [.logIn(name: name, password: join.password)]
        case .password(let password):
            guard var join = pendingJoin else { return [.send(.error(.joinFirst))] }
            join.password = password
            return introduce(.join(join))
        case .quit:
            return quitUnnamed()
        default:
            return [.send(.error(.joinFirst))]
        }
    }

    /// The name was checked against the accounts (`Accounts.login`).
    public mutating func loginChecked(_ outcome: LoginOutcome) -> [ConnectionAction] {
        guard case .identifying = state, var join = pendingJoin else { return [] }
        state = .naming
        var actions: [ConnectionAction]
        switch outcome {
        case .guest:
            pendingJoin = nil
            actions = admit(join, role: nil)
        case .account(let name, let role):
            pendingJoin = nil
            join.name = name
            actions = admit(join, role: role)
        case .passwordNeeded(let account):
            // The plain door's next line is the password; a JSON client sends its hello again.
            join.password = nil
            pendingJoin = join
            actions = [.send(.passwordNeeded(name: account))]
        case .refused(let failure):
            pendingJoin = nil
            actions = [.send(.error(failure))]
        case .banned(let failure):
            pendingJoin = nil
            stopping = .banned
            state = .quitting(name: nil)
            let cancel: [ConnectionAction] = nameTimerArmed ? [.cancelNameTimer] : []
            nameTimerArmed = false
            return cancel + [.finish(.error(failure))]
        }
        return namingGoesOn(actions)
    }

    /// After a check of a hello's name: once named, the name timer stops; while a claim across
    /// the nodes is on its way, everything waits for it; still naming, the lines that came
    /// meanwhile are handled, unless the time is up or the connection closed.
    mutating func namingGoesOn(_ actions: [ConnectionAction]) -> [ConnectionAction] {
        var actions = actions
        if state.isIdentifying { return actions }
        if state != .naming {
            if nameTimerArmed {
                nameTimerArmed = false
                actions.insert(.cancelNameTimer, at: 0)
            }
            return actions
        }
        // The name timer fired meanwhile, or already had (a silent newcomer's default name was
        // refused): no more tries.
        if nameTimedOut || inputClosed || !nameTimerArmed {
            nameTimerArmed = false
            pendingJoin = nil
            if inputClosed {
                state = .closed
                return actions + [.closed(stopping ?? .connectionLost)]
            }
            return actions + [.send(.error(.noNameInTime))] + quitUnnamed()
        }
        // Lines that came meanwhile, in order, until one starts another check.
        while state == .naming, !queue.isEmpty { actions += handle(queue.removeFirst()) }
        return actions + readComplete()
    }

    /// Admits a checked hello: its name (a guest's, or an account's with `role`) is taken and its
    /// rooms are entered.
    mutating func admit(
        _ join: JoinRequest, role: AccountRole?, takenElsewhere: Set<String> = [], holder elsewhere: String? = nil
    ) -> [ConnectionAction] {
        let normalized = NameRules.normalize(join.name)
        let requested = normalized.isEmpty ? NameRules.defaultName : normalized
        var name = requested
        var resumesPrivate = false
        var holder: String?
        if join.exactName, !join.watch {
            guard let claimed = directory.claim(connection, as: requested) else {
                return [.send(.error(.taken(requested, holder: directory.person(requested) ?? requested)))]
            }
            token = claimed
        } else if !join.watch {
            // A watcher takes no name: the one asked for (cleaned) is only for its welcome and
            // the log, so it is never numbered nor refused as reserved.
            (name, token, resumesPrivate, holder) = directory.admit(
                connection, as: requested, token: join.token, avoiding: takenElsewhere)
        }
        guard configuration.namesShared, !join.watch else {
            return admitted(
                join, role: role, requested: requested, name: name, resumesPrivate: resumesPrivate, holder: holder)
        }
        claiming = Claiming(
            join: join, role: role, requested: requested, name: name, resumesPrivate: resumesPrivate,
            holder: holder ?? elsewhere, takenElsewhere: takenElsewhere)
        state = .identifying(name: name)
        return [.claimName(name)]
    }

    /// The name of a hello taken (here, and across the nodes when they share names): its rooms are
    /// entered.
    mutating func admitted(
        _ join: JoinRequest, role: AccountRole?, requested: String, name: String, resumesPrivate: Bool,
        holder: String?
    ) -> [ConnectionAction] {
        var resumesPrivate = resumesPrivate
        // An account's password is proof enough for its private messages.
        if role != nil, name == requested { resumesPrivate = true }
        let rooms = join.roomless && join.rooms.isEmpty ? [] : enterable(join, name: name)
        var member = Member(
            name: name, watching: join.watch, current: rooms.last?.room ?? directory.defaultRoom,
            limiter: TokenBucket(
                rate: configuration.requestsPerSecond, burst: configuration.requestBurst, now: now()),
            creations: TokenBucket(
                rate: configuration.roomCreationsPerSecond, burst: configuration.roomCreationBurst, now: now()))
        member.role = role
        if role == .operator { directory.markServerOperator(connection) }
        member.roomless = join.roomless
        member.ownsPrivate = resumesPrivate && !join.watch
        let change = NameChange.from(typed: join.name, requested: requested, name: name, holder: holder)
        state = .catchingUp(member, requested: requested, change: change)
        helloHistory = join.history
        privateAfter = resumesPrivate ? join.privateAfter : nil
        pendingRooms = Array(rooms.dropFirst())
        let mailbox: [ConnectionAction] = join.watch ? [] : [.subscribePrivate(name: name)]
        guard let first = rooms.first else {
            // Roomless: welcomed at once; its rooms are entered later, one by one.
            return mailbox + welcome(member, requested: requested, change: change) + helloGoesOn(member)
        }
        return mailbox + startEntry(first, first: true)
    }

    /// The rooms a hello enters, spelled as the server does, each put in the directory (a
    /// watcher's are not); those that cannot be entered are told after the welcome. At least the
    /// default room.
    mutating func enterable(_ join: JoinRequest, name: String) -> [RoomResume] {
        let asked =
            join.rooms.isEmpty ? [RoomResume(room: directory.defaultRoom, resumeAfter: join.resumeAfter)] : join.rooms
        var rooms: [RoomResume] = []
        for resume in asked {
            guard rooms.count < configuration.maxRoomsPerMember else {
                helloFailures.append(.tooManyRoomsForMember(limit: configuration.maxRoomsPerMember))
                break
            }
            let typed: String
            switch Room.name(resume.room) {
            case .failure(let problem):
                helloFailures.append(.badRoomName(problem))
                continue
            case .success(let valid): typed = valid
            }
            if rooms.contains(where: { Room.key($0.room) == Room.key(typed) }) { continue }
            if join.watch {
                rooms.append(RoomResume(room: directory.room(typed) ?? typed, resumeAfter: resume.resumeAfter))
                continue
            }
            switch directory.enter(connection, named: name, room: typed, maxRooms: configuration.maxRooms) {
            case .success(let room): rooms.append(RoomResume(room: room, resumeAfter: resume.resumeAfter))
            case .failure(let failure): helloFailures.append(failure)
            }
        }
        if rooms.isEmpty {
            let room = directory.defaultRoom
            if !join.watch {
                _ = directory.enter(connection, named: name, room: room, maxRooms: .max)
            }
            rooms = [RoomResume(room: room)]
        }
        return rooms
    }

    /// Takes the name `new` in the directory and stores the renames.
    mutating func rename(_ member: Member, to new: String) -> [ConnectionAction] {
        guard directory.rename(connection, from: member.name, to: new) != nil else {
            let holder = directory.person(new) ?? new
            return [.send(.error(.taken(new, holder: holder)))]
        }
        guard configuration.namesShared else { return storeRename(member, to: new) }
        state = .live(member, waiting: .claimingName(new))
        return [.claimName(new)]
    }

    /// Stores the renames of a name taken.
    mutating func storeRename(_ member: Member, to new: String) -> [ConnectionAction] {
        state = .live(member, waiting: .renaming(new))
        return [.recordRename(member.rooms.map { event(.rename, by: member.name, in: $0, text: new) })]
    }

    /// The name was claimed across the nodes (`ConnectionAction.claimName`). A hello goes on
    /// (taken: an exact name is refused as when taken here, any other numbered past it); a
    /// rename is stored, or refused and the old name kept. `failure`: the nodes could not be asked.
    public mutating func nameClaimed(_ outcome: Result<NameClaim, StoreError>) -> [ConnectionAction] {
        if case .live(let member, waiting: .claimingName(let new)) = state {
            return renameClaimed(member, to: new, outcome)
        }
        guard case .identifying = state, let claim = claiming else { return [] }
        claiming = nil
        state = .naming
        var actions: [ConnectionAction]
        switch outcome {
        case .success(.granted):
            actions = admitted(
                claim.join, role: claim.role, requested: claim.requested, name: claim.name,
                resumesPrivate: claim.resumesPrivate, holder: claim.holder)
        case .success(.taken(let holder)):
            directory.remove(connection, named: claim.name)
            let taken = claim.takenElsewhere.union([NameRules.skeleton(claim.name)])
            if claim.join.exactName {
                actions = [.send(.error(.taken(claim.requested, holder: holder?.name ?? claim.requested)))]
            } else if taken.count < Self.maxClaims {
                actions = admit(
                    claim.join, role: claim.role, takenElsewhere: taken, holder: claim.holder ?? holder?.name)
            } else {
                actions = [.send(.error(.taken(claim.requested, holder: claim.holder ?? claim.requested)))]
            }
        case .failure(let error):
            directory.remove(connection, named: claim.name)
            actions = [.send(.error(.notStored(error.message)))]
        }
        return namingGoesOn(actions)
    }

    /// A rename's claim across the nodes was answered: stored, or refused.
    mutating func renameClaimed(
        _ member: Member, to new: String, _ outcome: Result<NameClaim, StoreError>
    ) -> [ConnectionAction] {
        let failure: Failure
        switch outcome {
        case .success(.granted): return storeRename(member, to: new)
        case .success(.taken(let holder)): failure = .taken(new, holder: holder?.name ?? new)
        case .failure(let error): failure = .notStored(error.message)
        }
        _ = directory.rename(connection, from: new, to: member.name)
        state = .live(member, waiting: nil)
        return [.send(.error(failure))] + resume()
    }

    /// The name a `/nick` asked for was looked up: somebody's account is refused.
    public mutating func nameChecked(registered: Bool) -> [ConnectionAction] {
        guard case .live(let member, waiting: .checkingName(let new)) = state else { return [] }
        state = .live(member, waiting: nil)
        if registered { return [.send(.error(.nameRegistered(new)))] + resume() }
        let actions = rename(member, to: new)
        if case .live(_, waiting: nil) = state { return actions + resume() }
        return actions
    }

    /// The name is registered now (or could not be).
    public mutating func registrationDone(_ result: Result<String, Failure>) -> [ConnectionAction] {
        guard case .live(var member, waiting: .registering) = state else { return [] }
        switch result {
        case .success(let name):
            member.role = .member
            state = .live(member, waiting: nil)
            return [.send(.registered(name: name))] + resume()
        case .failure(let failure):
            state = .live(member, waiting: nil)
            return [.send(.error(failure))] + resume()
        }
    }
}

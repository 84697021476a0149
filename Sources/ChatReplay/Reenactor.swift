import ChatModel
import ChatProtocol
import ChatStore
import NIOCore

/// Re-enacts a recorded session against a live server: each original connection becomes a
/// simulated client with its original name that joins and parts its rooms, speaks, sets topics,
/// changes its name, sends private messages and leaves in the original order, with the original
/// gaps scaled by the timing. A room operator's kick is done by the observer (the operator of the
/// rooms on the target) and counted as the original operator's. A participant is its original
/// connection; a rename changes the name it is known by, and private messages go to the name
/// their recipient has on the target.
///
/// An observer client (`replay-observer`) connects first and joins every room before anyone acts
/// in it; after every step the conductor waits until the observer has seen the resulting event (a
/// private message: until its sender has), so the target records the steps in the original order
/// even though each client has its own connection. Every client
/// reads what the room sends it; a client idle through thousands of events may still be dropped as
/// too slow by a server with a small outbound queue.
///
/// A step the target refuses (a message over its limit) stops the re-enactment with one short line
/// naming it. Whether it ends so or completes, every client still connected, the observer too,
/// says goodbye (the target records `quit`, never a lost connection the original did not have).
public struct Reenactor: Sendable {
    public var target: LoopbackAddress
    public var timing: ReplayTiming
    /// How long to wait for a connection, a welcome or the record of one step.
    public var timeout: Duration
    /// The name the observer asks for.
    public var observerName = "replay-observer"

    public init(target: LoopbackAddress, timing: ReplayTiming, timeout: Duration = .seconds(10)) {
        self.target = target
        self.timing = timing
        self.timeout = timeout
    }

    /// A simulated client: the original connection it stands for, the name it has in the
    /// original (a rename changes it) and the one the target gave it.
    private struct Participant {
        var original: String
        var name: String
        let commands: AsyncStream<ReenactmentCommand>.Continuation
        /// The names before its last rename (original, target): the rename is recorded once in each
        /// of its rooms, and every record but the first is only waited for.
        var previous: (original: String, name: String)?
        /// Where the target's record stood when its last command was sent: what that command
        /// causes (a quit's leave in each room, a rename in each) comes after it.
        var issuedAt = -1
    }

    /// Runs the re-enactment; `next` yields the original events in order (private messages
    /// included), `enacted` hears each one once the target has recorded it.
    public func run(
        next: () async throws -> Event?, enacted: (Event) throws -> Void = { _ in }
    ) async throws -> Outcome {
        let log = ReenactmentLog()
        let target = target
        let connectTimeout = TimeAmount.milliseconds(timeout.components.seconds * 1000)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // The observer: joins first, records every live event of every room it is in.
            let observerName = observerName
            group.addTask {
                do {
                    try await ChatConnection.withConnection(
                        host: target.host, port: target.port, name: observerName, history: 0,
                        connectTimeout: connectTimeout
                    ) { chat in
                        await log.observing(with: chat.sender)
                        await log.observerJoined(chat.welcome.room)
                        await log.welcomed(.user("\u{0}observer"), as: chat.welcome.name)
                        while let message = try await chat.next() {
                            switch message {
                            case .event(let event, history: false): await log.append(event)
                            case .joined(let room, _, _): await log.observerJoined(room)
                            case .error(.roomLimit, let message):
                                // Making rooms too fast: the conductor asks again.
                                await log.observerRefused(message)
                            case .error(let code, let message):
                                // Nothing else the observer asks can be refused: say so at once.
                                let why = EventKey.quotedBrief(message)
                                await log.fail(ReplayError("the target refused the observer: \(code.rawValue) \(why)"))
                            default: continue
                            }
                        }
                        await log.fail(ReplayError("the target \(target) closed the observer's connection"))
                    }
                } catch is CancellationError {
                } catch {
                    await log.fail(ReplayError("observer: \(error)"))
                }
            }
            defer { group.cancelAll() }
            guard
                case .name(let observer) = try await log.wait(
                    for: .welcome(.user("\u{0}observer")), timeout: timeout, what: "the observer's welcome")
            else { throw ReplayError("no observer") }

            var participants: [ParticipantKey: Participant] = [:]
            /// Participants whose connection has ended, while the leaves it causes are recorded.
            var gone: [ParticipantKey: Participant] = [:]
            /// A record without connection numbers knows a participant by name: after a rename, its
            /// new name stands for the key of the old one.
            var aliases: [ParticipantKey: ParticipantKey] = [:]
            var names: [(from: String, to: String)] = []
            var original: [EventKey] = []
            var taken: Set<Int> = []
            var firstStep: Int?
            /// Target events the observer did for a participant (a room kick), by id: that participant's name.
            var standIns: [Int64: String] = [:]
            var clients = 1

            /// Tells every client still here, the observer last, to quit, and waits (at most
            /// `timeout`) until they have: the target records their leaves as quits.
            func dismiss() async {
                for participant in participants.values {
                    participant.commands.yield(.quit)
                    participant.commands.finish()
                }
                participants.removeAll()
                try? await log.observer?.quit()
                let timeout = timeout
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw ReplayError("the clients did not leave within \(timeout.components.seconds) s")
                }
                do {
                    for _ in 0..<clients { try await group.next() }
                } catch {}
            }

            /// The observer joins `room` unless it is there, so that it sees what happens in it. The
            /// observer makes each room on the target, and a target limits how fast one member makes
            /// rooms (five at once, then one every 5 s): refused so ("try again in 5 s"), it waits
            /// twice the time it was given (the refused join counted too) and asks once more.
            func observe(_ room: String) async throws {
                guard room != Room.privateName, await !log.observerIsIn(room) else { return }
                for attempt in 0..<2 {
                    let refusals = await log.observerRefusals
                    try await log.observer?.send(.join(room: room))
                    let outcome = try await log.wait(
                        for: .observerIn(Room.key(room), refusals: refusals), timeout: timeout,
                        what: "the observer's join of \(Room.display(room))")
                    if case .name = outcome { return }
                    let refusal = await log.observerRefusal
                    guard attempt == 0, let seconds = RoomPace.retrySeconds(refusal) else {
                        let why = EventKey.quotedBrief(refusal)
                        throw ReplayError("the target refused the observer's join of \(Room.display(room)): \(why)")
                    }
                    try await Task.sleep(for: .seconds(2 * seconds))
                }
            }

            /// Connects a client for `key` as `name`, into `room` (the server's default room as it
            /// is, another one by asking for it in the hello).
            func connect(_ key: ParticipantKey, as name: String, into room: String) async throws -> Participant {
                let (commands, continuation) = AsyncStream.makeStream(of: ReenactmentCommand.self)
                let rooms = Room.key(room) == Room.key(Room.defaultName) ? [] : [RoomResume(room: room)]
                clients += 1
                group.addTask {
                    do {
                        try await ChatConnection.withConnection(
                            host: target.host, port: target.port, name: name, history: 0, rooms: rooms,
                            connectTimeout: connectTimeout
                        ) { chat in
                            await log.welcomed(key, as: chat.welcome.name)
                            try await ReenactmentClient.run(&chat, commands: commands, log: log)
                        }
                    } catch is CancellationError {
                    } catch {
                        await log.fail(ReplayError("\(name): \(error)"))
                    }
                }
                guard
                    case .name(let given) = try await log.wait(
                        for: .welcome(key), timeout: timeout, what: "the welcome of \(name)")
                else { throw ReplayError("no welcome") }
                names.append((name, given))
                return Participant(original: name, name: given, commands: continuation)
            }

            /// Waits until the target has recorded the event of `participant` that `matches`, after
            /// where the record stood when its last command was sent.
            @discardableResult
            func step(
                _ participant: Participant, _ event: Event, _ matches: @escaping @Sendable (Event) -> Bool
            ) async throws -> Event {
                let outcome = try await log.wait(
                    for: .event(after: participant.issuedAt, taken: taken, matches: matches), timeout: timeout,
                    what: EventKey(event).brief)
                guard case .index(let index) = outcome else { throw ReplayError("no event") }
                taken.insert(index)
                if firstStep == nil { firstStep = index }
                return await log.events[index]
            }

            /// Sends `command` to the participant of `key`, noting where the record stood.
            func issue(_ command: ReenactmentCommand, _ key: ParticipantKey) async {
                participants[key]?.issuedAt = await log.events.count - 1
                participants[key]?.commands.yield(command)
            }

            /// The event of `name` of this kind in this room.
            func by(_ name: String, _ kind: EventKind, in room: String) -> @Sendable (Event) -> Bool {
                let room = Room.key(room)
                return { $0.kind == kind && $0.user == name && Room.key($0.room) == room && !$0.isPrivate }
            }

            /// Who a private message is for, by the name the recipient has on the target.
            func targetName(of original: String) -> String {
                (participants.values.first { $0.original == original } ?? gone.values.first { $0.original == original })?
                    .name ?? original
            }

            func play() async throws {
                let player = ReplayPlayer(clock: ContinuousClock(), timing: timing)
                try await player.play(next: next) { event in
                    let key = aliases[ParticipantKey(event)] ?? ParticipantKey(event)
                    original.append(EventKey(event))
                    try await observe(event.room)
                    if participants[key] == nil, gone[key] == nil, event.kind != .leave {
                        // The first event of a connection: it arrives, joining its first room. One that
                        // spoke without a recorded join (a partial record) joins first.
                        let room = event.room == Room.privateName ? Room.defaultName : event.room
                        try await observe(room)
                        participants[key] = try await connect(key, as: event.user, into: room)
                        try await step(participants[key]!, event, by(participants[key]!.name, .join, in: room))
                        if event.kind == .join { return try enacted(event) }
                    }
                    if event.kind != .leave && event.kind != .rename, participants[key] == nil { return }
                    switch event.kind {
                    case .join:
                        await issue(.join(event.room), key)
                        try await step(participants[key]!, event, by(participants[key]!.name, .join, in: event.room))
                    case .message where event.isPrivate:
                        let participant = participants[key]!
                        let to = targetName(of: event.recipient ?? "")
                        await issue(.msg(to: to, text: event.text), key)
                        let name = participant.name
                        let text = event.text
                        try await step(participants[key]!, event) {
                            $0.isPrivate && $0.user == name && $0.recipient == to && $0.text == text
                        }
                    case .message, .action:
                        let command: ReenactmentCommand =
                            event.kind == .message
                            ? .say(event.text, room: event.room) : .me(event.text, room: event.room)
                        await issue(command, key)
                        try await step(
                            participants[key]!, event, by(participants[key]!.name, event.kind, in: event.room))
                    case .topic:
                        await issue(.topic(event.text, room: event.room), key)
                        try await step(participants[key]!, event, by(participants[key]!.name, .topic, in: event.room))
                    case .rename:
                        if let participant = participants[key], participant.original == event.user {
                            // The first record of this rename: ask for the name.
                            await issue(.nick(event.text), key)
                            let renamed = try await step(
                                participants[key]!, event, by(participant.name, .rename, in: event.room))
                            participants[key]?.previous = (participant.original, participant.name)
                            participants[key]?.original = event.text
                            participants[key]?.name = renamed.text
                            names.append((event.text, renamed.text))
                            if case .user = key { aliases[.user(event.text)] = key }
                        } else if let participant = participants[key] ?? gone[key], let previous = participant.previous
                        {
                            // The same rename recorded in another of its rooms.
                            try await step(participant, event, by(previous.name, .rename, in: event.room))
                        }
                    case .roomKick:
                        // The observer made the room on the target, so it is the room's operator: it
                        // puts the member out, standing in for the original operator (`standIns`).
                        let kicked = targetName(of: event.target ?? "")
                        let room = Room.key(event.room)
                        participants[key]?.issuedAt = await log.events.count - 1
                        try await log.observer?.send(.roomKick(name: kicked, room: event.room, reason: event.text))
                        let done = try await step(participants[key]!, event) {
                            $0.kind == .roomKick && $0.user == observer && $0.target == kicked
                                && Room.key($0.room) == room
                        }
                        standIns[done.id] = participants[key]!.name
                    case .kick, .ban, .unban, .mute, .unmute:
                        // An operator's act needs an operator's account on the live server: the
                        // re-enactment's guests cannot do it. The kicked member's leaves follow as quits.
                        return
                    case .notice, .mode, .tagMessage:
                        // IRC's notices, room modes and tags-only messages come by the IRC door; the
                        // re-enactment's clients speak JSON lines, which has none of them.
                        return
                    case .leave where event.reason == .part:
                        guard participants[key] != nil else { return }
                        await issue(.part(event.room), key)
                        try await step(participants[key]!, event, by(participants[key]!.name, .leave, in: event.room))
                    case .leave:
                        if var participant = participants.removeValue(forKey: key) {
                            // The connection ends: a leave is recorded in each of its rooms.
                            let dropped = event.reason == .connectionLost || event.reason == .tooSlow
                            participant.issuedAt = await log.events.count - 1
                            participant.commands.yield(dropped ? .drop : .quit)
                            participant.commands.finish()
                            gone[key] = participant
                        }
                        guard let participant = gone[key] else { return }
                        try await step(participant, event, by(participant.name, .leave, in: event.room))
                    }
                    try enacted(event)
                }
            }
            do {
                try await play()
            } catch {
                await dismiss()
                throw error
            }
            let events = await log.events
            let ids = firstStep.map { events[$0].id...events[taken.max() ?? $0].id }
            let observed =
                taken.max().map { Array(events[...$0]).filter { $0.user != observer || standIns[$0.id] != nil } } ?? []
            // Whoever is still here (a session that ended uncleanly) says goodbye; not compared.
            await dismiss()
            return Outcome(
                original: original, observed: observed, names: names, observerName: observer, targetIDs: ids,
                standIns: standIns)
        }
    }
}

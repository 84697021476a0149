import ChatModel
import ChatProtocol
import ChatStore
import NIOCore

/// Re-enacts a recorded session against a live server: each original connection becomes a
/// simulated client with its original name that joins, speaks and leaves in the original order,
/// with the original gaps scaled by the timing.
///
/// An observer client (`replay-observer`) connects first and watches the room; after every step
/// the conductor waits until the observer has seen the resulting event, so the target records
/// the steps in the original order even though each client has its own connection. Every client
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

    /// What happened: the original, what the target recorded while the session was re-enacted,
    /// and the names the target gave.
    public struct Outcome: Sendable {
        /// The original events, in order.
        public var original: [EventKey]
        /// The events the observer saw, from its arrival through the last re-enacted step, without
        /// the observer's own.
        public var observed: [Event]
        /// Original name to the name the target gave, for every participant (equal when unchanged).
        public var names: [(from: String, to: String)]
        /// The name the observer got.
        public var observerName: String
        /// Target ids of the first and last re-enacted step (nil when the session was empty).
        public var targetIDs: ClosedRange<Int64>?

        /// Target events as keys with the original names put back, so only real differences remain.
        public func targetKeys(_ events: [Event]) -> [EventKey] {
            let original = Dictionary(names.map { ($0.to, $0.from) }, uniquingKeysWith: { first, _ in first })
            return events.filter { $0.user != observerName }.map { EventKey($0, user: original[$0.user] ?? $0.user) }
        }

        /// The renames alone.
        public var renames: [(from: String, to: String)] { names.filter { $0.from != $0.to } }
    }

    private enum Command: Sendable {
        case say(String)
        case me(String)
        case quit
        case drop
    }

    private struct Participant {
        let original: String
        let name: String
        let commands: AsyncStream<Command>.Continuation
    }

    /// Runs the re-enactment; `next` yields the original events in order, `enacted` hears each one
    /// once the target has recorded it.
    public func run(
        next: () throws -> Event?, enacted: (Event) throws -> Void = { _ in }
    ) async throws -> Outcome {
        let log = ReenactmentLog()
        let target = target
        let connectTimeout = TimeAmount.milliseconds(timeout.components.seconds * 1000)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // The observer: joins first, records every live event.
            let observerName = observerName
            group.addTask {
                do {
                    try await ChatConnection.withConnection(
                        host: target.host, port: target.port, name: observerName, history: 0,
                        connectTimeout: connectTimeout
                    ) { chat in
                        await log.observing(with: chat.sender)
                        await log.welcomed(.user("\u{0}observer"), as: chat.welcome.name)
                        while let message = try await chat.next() {
                            if case .event(let event, history: false) = message { await log.append(event) }
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
            var names: [(from: String, to: String)] = []
            var original: [EventKey] = []
            var cursor = -1
            var firstStep: Int?
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

            func join(_ key: ParticipantKey, as name: String) async throws -> Participant {
                let (commands, continuation) = AsyncStream.makeStream(of: Command.self)
                clients += 1
                group.addTask {
                    do {
                        try await ChatConnection.withConnection(
                            host: target.host, port: target.port, name: name, history: 0,
                            connectTimeout: connectTimeout
                        ) { chat in
                            let me = chat.welcome.name
                            await log.welcomed(key, as: me)
                            for await command in commands {
                                switch command {
                                case .say(let text):
                                    try await chat.send(.say(text))
                                    try await Self.readUntilEcho(
                                        &chat, EventKey(kind: .message, user: name, text: text), as: me, log: log)
                                case .me(let text):
                                    try await chat.send(.me(text))
                                    try await Self.readUntilEcho(
                                        &chat, EventKey(kind: .action, user: name, text: text), as: me, log: log)
                                case .quit:
                                    try await chat.quit()
                                    return
                                case .drop:
                                    return
                                }
                            }
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

            func step(_ kind: EventKind, _ participant: Participant, _ event: Event) async throws {
                let outcome = try await log.wait(
                    for: .event(kind, user: participant.name, after: cursor), timeout: timeout,
                    what: EventKey(event).brief)
                guard case .index(let index) = outcome else { return }
                cursor = index
                if firstStep == nil { firstStep = index }
            }

            func play() async throws {
                let player = ReplayPlayer(clock: ContinuousClock(), timing: timing)
                try await player.play(next: next) { event in
                    let key = ParticipantKey(event)
                    original.append(EventKey(event))
                    switch event.kind {
                    case .join:
                        if participants[key] == nil { participants[key] = try await join(key, as: event.user) }
                        try await step(.join, participants[key]!, event)
                    case .message, .action:
                        if participants[key] == nil {
                            // Spoke without a recorded join (a partial record): join first.
                            participants[key] = try await join(key, as: event.user)
                            try await step(.join, participants[key]!, event)
                        }
                        let participant = participants[key]!
                        participant.commands.yield(event.kind == .message ? .say(event.text) : .me(event.text))
                        try await step(event.kind, participant, event)
                    case .leave:
                        guard let participant = participants.removeValue(forKey: key) else { return }
                        let dropped = event.reason == .connectionLost || event.reason == .tooSlow
                        participant.commands.yield(dropped ? .drop : .quit)
                        participant.commands.finish()
                        try await step(.leave, participant, event)
                    case .topic, .rename:
                        // Rooms' topics and renames are re-enacted by the multi-room re-enactment.
                        break
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
            let observed = cursor < 0 ? [] : Array(events[...cursor]).filter { $0.user != observer }
            let ids = firstStep.map { events[$0].id...events[cursor].id }
            // Whoever is still here (a session that ended uncleanly) says goodbye; not compared.
            await dismiss()
            return Outcome(
                original: original, observed: observed, names: names, observerName: observer, targetIDs: ids)
        }
    }

    /// Reads until the target echoes this client's own `step` (which also drains what came before),
    /// sent as `me`, or an error says it will not come: then the re-enactment fails with one short
    /// line, and the client stays for its goodbye.
    private static func readUntilEcho(
        _ chat: inout ChatConnection, _ step: EventKey, as me: String, log: ReenactmentLog
    ) async throws {
        while let message = try await chat.next() {
            switch message {
            case .event(let event, history: false) where event.kind == step.kind && event.user == me: return
            case .error(let code, let message):
                let why = EventKey.quotedBrief(message)
                await log.fail(ReplayError("the target refused \(step.brief): \(code.rawValue) \(why)"))
                return
            default: continue
            }
        }
    }
}

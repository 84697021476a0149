import ChatCore
import ChatModel
import ChatStore
import ChatTestSupport

/// A real core on a temporary database, with the committed batches it fanned out.
final class CoreHarness: Sendable {
    let directory = TemporaryDirectory()
    let store: EventStore
    let writer: EventWriter
    let core: ChatCore
    private let batches = Batches()

    init(_ configure: (inout CoreConfiguration) -> Void = { _ in }) throws {
        var configuration = CoreConfiguration()
        configure(&configuration)
        store = try EventStore(path: directory.file("core.sqlite"))
        let batches = batches
        let directory = ChatDirectory(makeToken: { "t" })
        writer = try store.startSession(host: "test", port: 0, version: "test") { events in
            directory.committed(events)
            batches.events.withLock { $0.append(events) }
        }
        core = ChatCore(store: store, writer: writer, directory: directory, configuration: configuration)
    }

    /// Every committed event, in the order the fan-out got them.
    var committed: [Event] { batches.events.withLock { $0.flatMap { $0 } } }

    func recorded() throws -> [Event] {
        try store.read { try $0.events(EventFilter()) }
    }

    func close() {
        try? store.close()
        directory.remove()
    }

    /// Commits `event` as a door would, without a connection.
    func commit(_ event: NewEvent) async throws -> Event {
        try await writer.append(event)
    }
}

private final class Batches: Sendable {
    let events = Locked<[[Event]]>([])
}

/// Plays a door's channel handler for one `ConnectionStateMachine`: executes its actions against
/// the real core, at once (a delay is noted, not waited), and keeps what it sent.
final class CoreDriver {
    private(set) var machine: ConnectionStateMachine
    private(set) var replies: [Reply] = []
    private(set) var delays: [Double] = []
    private(set) var finished: [Reply?] = []
    private(set) var closed: LeaveReason?
    private(set) var seenThrough: Int64?
    private let core: ChatCore
    private let connection: Int64
    /// Names across nodes (with `CoreConfiguration.namesShared`); nil: every claim is granted.
    private let presence: (any Presence)?
    private var holdsSharedName = false
    private var pending: [(inout ConnectionStateMachine) -> [ConnectionAction]] = []
    private var running = false

    init(
        _ harness: CoreHarness, connection: Int64, presence: (any Presence)? = nil, now: @escaping () -> Double = { 0 }
    ) {
        core = harness.core
        self.connection = connection
        self.presence = presence
        machine = ConnectionStateMachine(
            connection: connection, directory: harness.core.directory, session: harness.core.session,
            configuration: harness.core.configuration, now: now)
    }

    /// Greets, then gives `line` as a name.
    static func joined(_ harness: CoreHarness, connection: Int64, as name: String) async throws -> CoreDriver {
        let driver = CoreDriver(harness, connection: connection)
        await driver.apply { $0.start() }
        await driver.send(.request(.join(JoinRequest(name: name))))
        return driver
    }

    func send(_ input: DoorInput) async {
        await apply { $0.lineRead(input) }
    }

    func apply(_ event: @escaping (inout ConnectionStateMachine) -> [ConnectionAction]) async {
        pending.append(event)
        guard !running else { return }
        running = true
        while !pending.isEmpty {
            let event = pending.removeFirst()
            for action in event(&machine) { await execute(action) }
        }
        running = false
    }

    /// The name given in the welcome.
    var name: String? {
        for case .welcome(let name, _, _, _, _) in replies { return name }
        return nil
    }

    private func execute(_ action: ConnectionAction) async {
        switch action {
        case .send(let reply):
            replies.append(reply)
        case .read, .armNameTimer, .cancelNameTimer, .armStallTimer, .cancelStallTimer, .close:
            break
        case .subscribePrivate, .roomsChanged, .unsubscribe, .movePrivate:
            break
        case .enter(let room, let resumeAfter, let history):
            let catchUp =
                (try? await core.catchUp(room: room, resumeAfter: resumeAfter, history: history))
                ?? CatchUp(room: room, events: [], gap: nil, resumeAfter: nil)
            await apply { $0.caughtUp(catchUp) }
        case .goLive(let room, let id):
            if !room.isEmpty { seenThrough = id }
        case .recordJoins(let events):
            switch await commitAll(events) {
            case nil: await apply { $0.joinStored() }
            case let error?: await apply { $0.joinFailed(error.message) }
            }
        case .recordJoin(let event):
            switch await commit(event) {
            case .success: await apply { $0.roomJoinStored() }
            case .failure(let error): await apply { $0.roomJoinFailed(error.message) }
            }
        case .recordPart(let event):
            switch await commit(event) {
            case .success: await apply { $0.partStored() }
            case .failure(let error): await apply { $0.partFailed(error.message) }
            }
        case .recordRoomChange(let events):
            switch await commitAll(events) {
            case nil: await apply { $0.roomChangeStored() }
            case let error?: await apply { $0.roomChangeFailed(error.message) }
            }
        case .recordRename(let events):
            switch await commitAll(events) {
            case nil: await apply { $0.renameStored() }
            case let error?: await apply { $0.renameFailed(error.message) }
            }
        case .record(let event):
            if case .failure(let error) = await commit(event) { await apply { $0.storeFailed(error.message) } }
        case .recordQuit(let events):
            _ = await commitAll(events)
            await apply { $0.leaveCommitted() }
        case .delay(let seconds):
            delays.append(seconds)
            await apply { $0.delayOver() }
        case .readCatchUpPage(let room, let after, let through):
            let events = (try? await core.catchUpPage(room: room, after: after, through: through)) ?? []
            await apply { $0.catchUpPageRead(events) }
        case .readPrivate(let name, let after):
            let read = (try? await core.privateCatchUp(name: name, after: after)) ?? (events: [], through: after)
            await apply { $0.privateRead(read.events, through: read.through) }
        case .readHistory(let room, let limit):
            let events = (try? await core.history(room: room, limit: limit)) ?? []
            await apply { $0.historyRead(events) }
        case .readHistoryWindow(let room, let query):
            let events = (try? await core.history(room: room, query: query)) ?? []
            await apply { $0.historyRead(events) }
        case .readSearch(let words, let scope):
            let results = (try? await core.search(words, scope: scope)) ?? SearchResults(query: words, hits: [])
            await apply { $0.searchRead(results) }
        case .finish(let reply):
            finished.append(reply)
        case .leaveServer(let name):
            core.directory.remove(connection, named: name)
        case .closed(let reason):
            closed = reason
        case .logIn(let name, let password):
            let outcome = core.accounts.login(name: name, password: password, peer: machine.peer, now: 0)
            await apply { $0.loginChecked(outcome) }
        case .checkOperator(let account, let password):
            let outcome = core.accounts.login(name: account, password: password, peer: machine.peer, now: 0)
            await apply { $0.operatorChecked(outcome) }
        case .register(let name, let password, let invite):
            let result = core.accounts.register(name: name, password: password, invite: invite, peer: machine.peer)
            await apply { $0.registrationDone(result) }
        case .checkName(let name):
            let registered = core.accounts.isRegistered(name)
            await apply { $0.nameChecked(registered: registered) }
        case .claimName(let name):
            let outcome = await claim(name)
            await apply { $0.nameClaimed(outcome) }
        case .findName(let name):
            let holder = try? await presence?.holder(of: name)
            await apply { $0.nameFound(holder?.name) }
        case .moderate(let moderation):
            let failure = await commitAll([moderation.event])
            await apply { $0.moderationDone(failure.map { .notStored($0.message) }) }
        }
    }

    /// Claims `name` in the presence (renames, once this connection holds a name there).
    private func claim(_ name: String) async -> Result<NameClaim, StoreError> {
        guard let presence else { return .success(.granted) }
        do throws(StoreError) {
            let claim =
                try await
                (holdsSharedName
                ? presence.rename(connection, to: name) : presence.claim(connection, as: name))
            if claim == .granted { holdsSharedName = true }
            return .success(claim)
        } catch {
            return .failure(error)
        }
    }

    /// Commits each of `events`; the first failure, if any.
    private func commitAll(_ events: [NewEvent]) async -> StoreError? {
        var failure: StoreError?
        for event in events {
            if case .failure(let error) = await commit(event), failure == nil { failure = error }
        }
        return failure
    }

    private func commit(_ event: NewEvent) async -> Result<Event, StoreError> {
        await withCheckedContinuation { continuation in
            core.record(event) { continuation.resume(returning: $0) }
        }
    }
}

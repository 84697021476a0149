import ChatModel
import ChatProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Where and how a client connects.
public struct ClientOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = chatroomDefaultPort
    /// Other nodes of the same chat (several chat-server on one PostgreSQL database): after a lost
    /// connection, or a first one that cannot be made, the client tries the next address, in turn,
    /// and resumes there (event ids are the database's, the same on every node).
    public var otherNodes: [ServerAddress] = []
    /// The name asked for; the server may give `alice2` when `alice` is taken.
    public var name: String
    /// Watch without joining (`--listen`): not in the member list, no join or leave recorded.
    /// A server older than watch mode ignores it and joins the client visibly.
    public var watch = false
    /// Seconds a TCP connection may take.
    public var connectTimeout = 2.0
    /// Seconds the server may take to welcome us once connected; then the connection counts as
    /// lost (reconnect, or stop with `reconnect` off).
    public var welcomeTimeout = 10.0
    /// Reconnect when the server goes away.
    public var reconnect = true
    /// Speak TLS (`--tls`, `--tls-ca`); every reconnection does too.
    public var tls: ClientTLS?
    /// Delays between reconnection attempts.
    public var backoff = Backoff()
    /// After saying goodbye, how long to wait for the server to close the connection, in seconds.
    public var quitGrace = 2.0
    /// Called before each reconnection attempt (tests hold reconnection here).
    public var beforeReconnect: @Sendable () async -> Void = {}
    /// Asked for the password of a registered name when the server wants it (never before): the
    /// password, or nil to give up (the session then ends with the server's refusal). It is kept
    /// in memory for reconnections, which log in again without asking.
    public var askPassword: @Sendable (PasswordRequest) async -> String? = { _ in nil }

    public init(host: String = "127.0.0.1", port: Int = chatroomDefaultPort, name: String) {
        self.host = host
        self.port = port
        self.name = name
    }
}

/// The server wants the password of a registered name.
public struct PasswordRequest: Sendable, Equatable {
    /// The name, as the hello gave it.
    public var name: String
    /// The server's words when it refused the last password (wrong, too many attempts); nil the
    /// first time it asks.
    public var refusal: String?

    public init(name: String, refusal: String? = nil) {
        self.name = name
        self.refusal = refusal
    }
}

/// How a session ended.
public enum SessionEnd: Sendable, Equatable {
    /// The user left (`/quit`, Ctrl+C, end of input).
    case quit
    /// The server stopped (it said so) and reconnection is off.
    case serverShutdown
    /// The connection was lost and reconnection is off.
    case connectionLost
    /// The host of a `--serve` room left: the room is gone, so there is nothing to reconnect to.
    case roomClosed
    /// An operator put us out (kicked or banned; `message` is the server's words): the client
    /// does not reconnect.
    case removed(message: String)
}

/// One person in the room across connections: connects, shows every event once and in order,
/// sends what the user types, and when the server goes away reconnects (capped, jittered
/// backoff) and resumes right after the last event shown.
///
/// The first connection's failure is thrown (`ConnectionError`): the caller says why and stops.
public final class ClientSession: Sendable {
    public let options: ClientOptions
    private let output: @Sendable (ClientOutput) async -> Void
    private let slot = SenderSlot()
    private let state: NIOLockedValueBox<State>
    private let quitRequests: AsyncStream<Void>
    private let quitContinuation: AsyncStream<Void>.Continuation

    private struct State {
        var quitting = false
        /// The rooms and, per room, the last event shown.
        var marks = RoomMarks()
        /// The name to say hello with: the one asked for, then the one given (`alice2`, `/nick`).
        var name: String
        /// The connection now open (welcomed), for a goodbye or an abort.
        var sender: ChatSender?
        var everWelcomed = false
        /// Warnings given about bad event ids; only the first few are shown.
        var idWarnings = 0
        /// Messages typed while disconnected (after a welcome) sent since the last reconnection.
        var sentQueued = 0
        /// The longest message text the server takes, from its latest welcome.
        var maxMessageBytes = MessageLimit.defaultBytes
        /// The server knows rooms (its welcome had a token): a reconnect names each room.
        var serverHasRooms = false
        /// The room of the latest welcome: the one room of a server without rooms.
        var welcomeRoom = Room.defaultName
        /// The password the server asked for, and the name it is for: sent in every hello for
        /// that name from then on. Only in memory, never shown.
        var password: (name: String, secret: String)?
        /// The password of a `register` sent, kept when the server says `registered`.
        var registering: String?
    }

    /// Warnings about bad event ids shown before the client stops reporting them one by one.
    static let maxIDWarnings = 5

    /// - Parameter output: called, in order, with everything there is to show. It may suspend
    ///   (the screen is busy): the session reads nothing more from the server meanwhile, so the
    ///   events waiting to be shown stay bounded and a slow screen slows the server's sending.
    public init(options: ClientOptions, output: @escaping @Sendable (ClientOutput) async -> Void) {
        self.options = options
        self.output = output
        state = NIOLockedValueBox(State(name: options.name))
        (quitRequests, quitContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The id of the last event shown of the current room.
    public var lastShownID: Int64? {
        state.withLockedValue { state in state.marks.lastShown(in: state.marks.current ?? state.welcomeRoom) }
    }

    /// The id of the last event shown of `room`.
    public func lastShownID(in room: String) -> Int64? {
        state.withLockedValue { $0.marks.lastShown(in: room) }
    }

    /// The rooms the client is in, the current one, and where each resumes.
    public var marks: RoomMarks { state.withLockedValue { $0.marks } }

    /// The person switched to `room` (one they are in): a reconnect names it last, making it
    /// current on the server too.
    public func setCurrentRoom(_ room: String) {
        state.withLockedValue { _ = $0.marks.makeCurrent(room) }
    }

    /// Leave now (Ctrl+C, a signal), ahead of any messages still waiting to be sent.
    public func requestQuit() {
        quitContinuation.yield()
    }

    /// Closes the connection without a goodbye, as a network failure would (for tests).
    public func dropConnection() {
        state.withLockedValue { $0.sender }?.abort()
    }

    /// Runs until the user leaves: sends each of `commands` (`.quit` leaves, and so does the end
    /// of `commands`) while showing what the server sends.
    /// - Parameter credits: given back once for each command handled (sent, or given up on), so
    ///   that whoever queues commands can bound how many wait for the connection.
    public func run(commands: AsyncStream<ClientMessage>, credits: Credits? = nil) async throws -> SessionEnd {
        defer { slot.close() }
        return try await withThrowingTaskGroup(of: SessionEnd.self) { group in
            group.addTask { try await self.connectionLoop() }
            group.addTask {
                for await message in commands {
                    if message == .quit { break }
                    await self.deliver(message)
                    credits?.give()
                    await self.reportQueuedSent(credits: credits)
                }
                // Leaving before the first connection is made: see it through first, so that a
                // failure to connect is still reported and an empty pipe still joins and leaves.
                if !self.everWelcomed { _ = await self.slot.wait() }
                await self.leave()
                return .quit
            }
            group.addTask {
                for await _ in self.quitRequests {
                    await self.reportUnsent(credits: credits)
                    await self.leave()
                    return .quit
                }
                try await Task.sleep(for: .seconds(1 << 40))
                return .quit
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Sends one message once connected.
    private func deliver(_ message: ClientMessage) async {
        let queued = slot.current == nil && everWelcomed
        guard let sender = await slot.wait() else { return }
        if let refusal = refusal(of: message) { return await output(.info(refusal)) }
        if case .register(let password, _) = message { state.withLockedValue { $0.registering = password } }
        do {
            try await sender.send(message)
            if queued { state.withLockedValue { $0.sentQueued += 1 } }
        } catch {
            await output(.info("the connection failed while sending; that message may not have arrived"))
        }
    }

    /// Why `message` is not sent: its text, as the server would store it, is over the server's limit.
    private func refusal(of message: ClientMessage) -> String? {
        let text: String
        switch message {
        case .say(let said, _), .me(let said, _): text = said
        default: return nil
        }
        let bytes = TextSanitizer.clean(text).utf8.count
        let limit = state.withLockedValue { $0.maxMessageBytes }
        guard bytes > limit else { return nil }
        return "your message is \(bytes) bytes, over the server's limit of \(limit); it was not sent"
    }

    /// Once every message typed while disconnected has gone out (no credit is in use), says how many.
    private func reportQueuedSent(credits: Credits?) async {
        guard (credits?.inUse ?? 0) == 0 else { return }
        let sent = state.withLockedValue { state -> Int in
            defer { state.sentQueued = 0 }
            return state.sentQueued
        }
        if sent > 0 { await output(.queuedSent(count: sent)) }
    }

    /// Leaving while disconnected: says how many typed messages will never be sent.
    private func reportUnsent(credits: Credits?) async {
        guard let credits, state.withLockedValue({ $0.sender == nil }), credits.inUse > 0 else { return }
        await output(.queuedUnsent(count: credits.inUse))
    }

    /// Says goodbye (the server records a quit) and waits, at most `quitGrace`, for the server to close.
    private func leave() async {
        let sender = state.withLockedValue { state -> ChatSender? in
            state.quitting = true
            return state.sender
        }
        guard let sender else { return }
        do {
            try await sender.quit()
            try await Task.sleep(for: .seconds(options.quitGrace))
        } catch {}
    }

    private var quitting: Bool { state.withLockedValue { $0.quitting } }
    private var everWelcomed: Bool { state.withLockedValue { $0.everWelcomed } }

    /// Where to connect: the address given, then the other nodes, in turn.
    private var addresses: [ServerAddress] {
        [ServerAddress(host: options.host, port: options.port)] + options.otherNodes
    }

    /// Connects, and reconnects after every loss, until the user quits or reconnection is off.
    private func connectionLoop() async throws -> SessionEnd {
        var backoff = options.backoff
        var connected = false
        /// The first connection was lost (no welcome in time): from then on, retry like after a loss.
        var retrying = false
        let addresses = addresses
        /// Which of `addresses` to try (modulo their count), and the one last welcomed on.
        var next = 0
        var welcomedOn: ServerAddress?
        while true {
            var failure: String?
            var announcedShutdown: Shutdown?
            let address = addresses[next % addresses.count]
            do {
                announcedShutdown = try await connectOnce(to: address, resumed: connected) {
                    if addresses.count > 1, welcomedOn != address {
                        await output(.info("connected to \(address)"))
                    }
                    welcomedOn = address
                    connected = true
                    backoff.reset()
                }
            } catch ConnectionError.refused(let code, let message) where Self.accountCodes.contains(code) {
                if try await passwordAgain(code: code, message: message, welcomedBefore: connected) {
                    if quitting { return .quit }
                    continue
                }
                if quitting { return .quit }
                retrying = true
                failure = message
            } catch {
                // A first connection that cannot be made, or is refused, is a mistake to report
                // (wrong address, not a chatroom server); a server that accepted and then fell
                // silent may be busy: that is a lost connection like any other.
                if !connected && !retrying && !Self.isTransient(error) {
                    // Another node may be up: each is tried once before the failure is reported.
                    guard next + 1 < addresses.count else { throw error }
                    next += 1
                    continue
                }
                retrying = true
                failure = Self.describe(error)
            }
            slot.set(nil)
            state.withLockedValue { $0.sender = nil }
            if quitting { return .quit }
            if announcedShutdown == .final {
                await output(.roomClosed)
                return .roomClosed
            }
            if case .removed(let message) = announcedShutdown { return .removed(message: message) }
            guard options.reconnect else {
                if let failure { await output(.disconnected(reason: failure)) }
                return announcedShutdown == nil ? .connectionLost : .serverShutdown
            }
            next += 1  // with other nodes: the next one (one node: the same)
            let delay = backoff.next()
            await output(.reconnecting(attempt: backoff.attempts, seconds: delay, failure: failure))
            try await Task.sleep(for: .seconds(delay))
            await options.beforeReconnect()
            if quitting { return .quit }
        }
    }

    /// A shutdown the server announced: the server may come back, or (a host left) the room is
    /// gone; or an operator put us out (`kicked`, `banned`): no reconnecting either.
    private enum Shutdown: Equatable {
        case server, final
        case removed(String)
    }

    /// Refusals of a hello about accounts.
    static let accountCodes: Set<ErrorCode> = [
        .passwordRequired, .wrongPassword, .tooManyAttempts, .noSuchAccount, .accountRequired, .plaintextPassword,
        .banned,
    ]

    /// After a refusal of the hello about accounts: true to say hello again at once (with the
    /// password now asked for), false to retry after the usual delay (too many attempts, after a
    /// welcome). Throws the refusal when there is no going on: no password given, or a refusal
    /// that another try would not change (banned, guests not taken, no encryption).
    private func passwordAgain(code: ErrorCode, message: String, welcomedBefore: Bool) async throws -> Bool {
        let refusal = ConnectionError.refused(code: code, message: message)
        let (name, sent) = state.withLockedValue { ($0.name, Self.password(for: $0.name, in: $0)) }
        let ask: PasswordRequest
        switch code {
        case .passwordRequired:
            // Asked again although the hello carried one: not a server to argue with.
            guard sent == nil else { throw refusal }
            ask = PasswordRequest(name: name)
        case .wrongPassword:
            ask = PasswordRequest(name: name, refusal: message)
        case .tooManyAttempts:
            if welcomedBefore && sent != nil { return false }
            ask = PasswordRequest(name: name, refusal: message)
        case .noSuchAccount where sent != nil:
            // The account is gone: carry on as a guest.
            state.withLockedValue { $0.password = nil }
            return true
        default:
            throw refusal
        }
        state.withLockedValue { $0.password = nil }
        guard let password = await options.askPassword(ask) else {
            if quitting { return true }
            throw refusal
        }
        state.withLockedValue { $0.password = (name, password) }
        return true
    }

    /// The password known for `name` (a hello for another name, after `/nick`, carries none).
    private static func password(for name: String, in state: State) -> String? {
        guard let password = state.password, NameRules.skeleton(password.name) == NameRules.skeleton(name) else {
            return nil
        }
        return password.secret
    }

    /// The hello for a first connection, or (`resumed`) for a reconnection.
    private func hello(resumed: Bool) -> HelloPlan {
        state.withLockedValue { state in
            HelloPlan(
                name: state.name, marks: state.marks, resumed: resumed,
                roomsByName: state.serverHasRooms && !options.watch, welcomeRoom: state.welcomeRoom,
                password: Self.password(for: state.name, in: state))
        }
    }

    /// One connection, from hello to close; how the server announced its shutdown, if it did.
    private func connectOnce(
        to address: ServerAddress, resumed: Bool, onWelcome: () async -> Void
    ) async throws -> Shutdown? {
        let hello = hello(resumed: resumed)
        let timeout = TimeAmount.milliseconds(Int64(options.connectTimeout * 1000))
        let welcomeTimeout = TimeAmount.milliseconds(Int64(options.welcomeTimeout * 1000))
        return try await ChatConnection.withConnection(
            host: address.host, port: address.port, name: hello.name, resumeAfter: hello.resumeAfter,
            watch: options.watch, rooms: hello.rooms, privateAfter: hello.privateAfter, token: hello.token,
            password: hello.password, connectTimeout: timeout, welcomeTimeout: welcomeTimeout, tls: options.tls
        ) { chat in
            await onWelcome()
            let welcome = chat.welcome
            let quitNow = state.withLockedValue { state -> Bool in
                state.sender = chat.sender
                state.everWelcomed = true
                state.maxMessageBytes = welcome.maxMessageBytes
                state.name = welcome.name
                state.welcomeRoom = welcome.room
                state.serverHasRooms = welcome.token != nil
                state.marks.token = welcome.token
                if hello.rooms.isEmpty { state.marks.enter(welcome.room) }
                return state.quitting
            }
            if quitNow { try? await chat.quit() }
            await output(.joined(welcome, requested: hello.name, resumed: hello.catchingUp))
            var reader = BlockReader(defaultRoom: welcome.room, namesRooms: welcome.token != nil)
            /// Rooms the hello entered: a `joined` for them is not news (the welcome said it).
            var entered = Set((hello.rooms.isEmpty ? [welcome.room] : hello.rooms.map(\.room)).map(Room.key))
            if hello.rooms.isEmpty {
                reader.expect(hello.resumeAfter == nil ? .join : .catchUp, in: welcome.room)
            } else {
                for block in hello.blocks { reader.expect(block.kind, in: block.room) }
            }
            var announcedShutdown: Shutdown?
            do {
                while let message = try await chat.next() {
                    switch message {
                    case .event(let event, let history):
                        await reader.event(event, history: history, session: self)
                        if !history { left(event) }
                    case .historyEnd(let room):
                        entered.remove(Room.key(room ?? welcome.room))
                        if await reader.end(room: room, session: self) { slot.set(chat.sender) }
                    case .gap(let room, let after, let resumedAfter):
                        let known = state.withLockedValue {
                            $0.marks.skip(room: room ?? welcome.room, to: resumedAfter)
                        }
                        if known {
                            let named = welcome.token == nil || room == Room.privateName ? nil : room
                            await output(.gap(after: after, resumedAfter: resumedAfter, room: named))
                        } else {
                            await warn("a gap notice with an impossible id (\(resumedAfter)) from the server: ignored")
                        }
                    case .joined(let room, let topic, let names):
                        state.withLockedValue { $0.marks.enter(room) }
                        reader.expect(.join, in: room, unlessExpected: true)
                        if entered.remove(Room.key(room)) == nil {
                            await output(.roomJoined(room: room, topic: topic, names: names))
                        }
                    case .who(let room, let names): await output(.who(names, room: room))
                    case .rooms(let rooms): await output(.roomList(rooms))
                    case .searchResults(let query, let hits): await output(.searchResults(query: query, hits: hits))
                    case .topic(let room, let text, let by, _): await output(.topic(room: room, text: text, by: by))
                    case .renamed(let from, let to):
                        state.withLockedValue { $0.name = to }
                        await output(.renamed(from: from, to: to))
                    case .notice(_, let message): await output(.serverNotice(message))
                    case .registered(let name):
                        state.withLockedValue { state in
                            if let secret = state.registering { state.password = (name, secret) }
                            state.registering = nil
                        }
                        await output(
                            .serverNotice(
                                "the name \(name) is registered to you now: the client logs in with its password when it reconnects"
                            ))
                    case .error(let code, let message) where code == .kicked || code == .banned:
                        // Put out: the server's own words (`*** root put you out ...`), not an error line.
                        announcedShutdown = .removed(message)
                        let words = message.hasPrefix("*** ") ? String(message.dropFirst(4)) : message
                        await output(.serverNotice(words))
                    case .error(_, let message): await output(.serverError(message))
                    case .shutdown(let message):
                        announcedShutdown = RoomClosing.isFinal(message) ? .final : .server
                        await output(.shutdown(message))
                    case .welcome, .ping, .pong: break
                    }
                }
                await reader.interrupted(session: self)
                if announcedShutdown == nil && !quitting {
                    await output(.disconnected(reason: "the server closed the connection"))
                }
            } catch {
                await reader.interrupted(session: self)
                if !quitting, announcedShutdown == nil || announcedShutdown == .server {
                    await output(.disconnected(reason: Self.describe(error)))
                }
            }
            return announcedShutdown
        }
    }

    /// After a live event: when it is our own part (or a room operator's kick of us), the room is
    /// no longer one to resume.
    private func left(_ event: Event) {
        guard event.kind == .leave || event.kind == .roomKick else { return }
        state.withLockedValue { state in
            if event.takesOut(state.name) { state.marks.leave(event.room) }
        }
    }

    /// True when `event` is to be shown: it was not shown before (answers to `/history` always are).
    /// It then counts as shown: call `emit` with it next.
    /// An event with a bad id is shown with a warning, and does not move the resume mark.
    func admit(_ event: Event, history: HistoryKind?) async -> Bool {
        if history == .requested { return true }
        switch state.withLockedValue({ $0.marks.judge(event) }) {
        case .new: return true
        case .duplicate: return false
        case .suspicious(let warning):
            await warn(warning)
            return true
        }
    }

    /// Tells the user the server sent something wrong; after a few, says it stops counting.
    private func warn(_ warning: String) async {
        let count = state.withLockedValue { state -> Int in
            state.idWarnings += 1
            return state.idWarnings
        }
        if count <= Self.maxIDWarnings { await output(.info("warning: " + warning)) }
        if count == Self.maxIDWarnings {
            await output(.info("warning: further bad event ids from this server are not reported one by one"))
        }
    }

    func emit(_ item: ClientOutput) async { await output(item) }

    /// A failure in plain words (`ErrorWording`), never NIO's own text.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? ConnectionError { return error.description }
        return ErrorWording.describe(error)
    }

    /// A failure that counts as a lost connection even before the first welcome.
    static func isTransient(_ error: any Error) -> Bool {
        if case ConnectionError.noWelcome = error { return true }
        return false
    }
}

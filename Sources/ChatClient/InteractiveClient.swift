import ChatModel
import ChatProtocol
import Foundation

/// Everything the interactive screen reacts to, merged into one stream so that one task does
/// all terminal output and lines never interleave.
enum ScreenEvent: Sendable {
    case keys([UInt8])
    case inputEnded
    case output(ClientOutput)
    case resized
    case interrupted
    case ended(Result<SessionEnd, any Error>)
    /// The session needs the password of a registered name: ask, without echo, and resume with it
    /// (nil: the person gave up).
    case passwordWanted(PasswordRequest, CheckedContinuation<String?, Never>)
}

/// A line typed without echo: a password. Its editor keeps no history and is never drawn.
private struct SecretPrompt {
    enum Purpose {
        /// The server asked for the name's password: the session waits for it.
        case login(CheckedContinuation<String?, Never>)
        /// `/register`: the new password, then again (`first` is the first answer).
        case register(first: String?)
    }

    var purpose: Purpose
    /// What the input line shows instead of the typed text.
    var label: String
    var editor = LineEditor()
}

/// The chat in a terminal: incoming lines appear above the line being typed, which is redrawn
/// beneath them intact; a line editor with history; colours per name; resize-aware.
public struct InteractiveClient: Sendable {
    /// Outputs waiting to be drawn; beyond them the session waits (and reads nothing more from
    /// the server) until the screen catches up.
    public static let maxPendingOutputs = 256
    /// Messages typed while disconnected that wait for the connection; more are refused with a word.
    public static let maxQueuedMessages = 100

    /// Where to connect; an empty `name` is asked for first.
    public var options: ClientOptions
    public var color: Bool
    /// Lines to show before connecting (hosting).
    public var intro: [ClientOutput] = []

    public init(options: ClientOptions, color: Bool, intro: [ClientOutput] = []) {
        self.options = options
        self.color = color
        self.intro = intro
    }

    /// Runs until the user leaves; the exit status.
    public func run() async -> Int32 {
        guard Terminal.enterRawMode() else {
            FileHandle.standardError.write(Data("chat-client: cannot set up the terminal\n".utf8))
            return 1
        }
        defer { Terminal.restore() }
        let (events, sink) = AsyncStream.makeStream(of: ScreenEvent.self)
        let input = StandardInput.chunks()
        let reader = Task {
            for await chunk in input { sink.yield(.keys(chunk)) }
            sink.yield(.inputEnded)
        }
        let watchers = [
            SignalWatcher([SIGWINCH]) { _ in sink.yield(.resized) },
            SignalWatcher([SIGINT, SIGTERM, SIGHUP]) { _ in sink.yield(.interrupted) },
        ]
        defer {
            reader.cancel()
            for watcher in watchers { watcher.cancel() }
        }
        var screen = Screen(options: options, color: color, sink: sink)
        for item in intro { screen.show(item) }
        return await screen.loop(events)
    }
}

/// The state of the interactive screen; lives in the one task that draws.
private struct Screen {
    var options: ClientOptions
    let formatter: OutputFormatter
    let sink: AsyncStream<ScreenEvent>.Continuation
    var editor = LineEditor()
    var decoder = KeyDecoder()
    var input = InputLine(width: Terminal.width)
    var session: ClientSession?
    var commands: AsyncStream<ClientMessage>.Continuation?
    var sessionTask: Task<Void, Never>?
    /// Bounds the outputs on their way to the screen.
    let shown = Credits(capacity: InteractiveClient.maxPendingOutputs)
    /// Bounds the messages waiting for the connection.
    let queued = Credits(capacity: InteractiveClient.maxQueuedMessages)
    /// The name was typed here (so a refused one can be asked again).
    var askedName = false
    var online = false
    /// Welcomed at least once: a message typed while not online waits for a reconnection.
    var everOnline = false
    var leaving = false
    /// Rows of the reconnection status printed last, right above the input line: the next
    /// status replaces it rather than adding a line per attempt. Nil when something else came after.
    var statusRows: Int?
    var myName = ""
    /// The rooms, the current one and the unread counts of the others.
    var tabs = RoomTabs()
    /// A password being typed (not shown, not kept in the history).
    var secret: SecretPrompt?

    init(options: ClientOptions, color: Bool, sink: AsyncStream<ScreenEvent>.Continuation) {
        self.options = options
        self.formatter = OutputFormatter(styled: true, color: color)
        self.sink = sink
    }

    mutating func loop(_ events: AsyncStream<ScreenEvent>) async -> Int32 {
        if options.name.isEmpty {
            askedName = true
            show(.info("What is your name? (Enter for the default; Ctrl+C leaves)"))
        } else {
            start()
        }
        redraw()
        for await event in events {
            switch event {
            case .keys(let bytes):
                for key in decoder.feed(bytes) { if let status = press(key) { return finish(status) } }
            case .inputEnded:
                if let status = quit() { return finish(status) }
            case .interrupted:
                if let status = quit() { return finish(status) }
            case .output(let output):
                track(output)
                show(output)
                shown.give()
            case .resized:
                statusRows = nil
                Terminal.write(input.resize(to: Terminal.width) + drawInput())
            case .passwordWanted(let request, let continuation):
                askPassword(request, continuation)
            case .ended(let result):
                switch result {
                case .success(.connectionLost):
                    return finish(1, error: "chat-client: lost the connection to \(options.host):\(options.port)")
                case .success(.removed):
                    return finish(1, error: "chat-client: put out of the server by an operator; not reconnecting")
                case .success: return finish(0)
                case .failure where leaving: return finish(0)
                case .failure(ConnectionError.refused(.nameReserved, _)) where askedName:
                    session = nil
                    show(.info("the name \(options.name) is reserved; what is your name?"))
                    options.name = ""
                    redraw()
                case .failure(let error):
                    return finish(1, error: "chat-client: \(ClientSession.describe(error))")
                }
            }
        }
        return finish(0)
    }

    /// The server wants the name's password: show its words (a refused password), then ask.
    mutating func askPassword(_ request: PasswordRequest, _ continuation: CheckedContinuation<String?, Never>) {
        guard !leaving else { return continuation.resume(returning: nil) }
        if case .login(let waiting) = secret?.purpose { waiting.resume(returning: nil) }
        if let refusal = request.refusal { show(.serverError(refusal)) }
        let name = TextSanitizer.clean(request.name)
        show(.info("\(name) is a registered name: type its password (it is not shown), or Ctrl+C to leave"))
        secret = SecretPrompt(purpose: .login(continuation), label: "Password for \(name): ")
        redraw()
    }

    /// A key while a password is typed: nothing is echoed, Enter hands it over.
    mutating func pressSecret(_ key: Key, _ prompt: SecretPrompt) -> Int32? {
        var prompt = prompt
        let action = prompt.editor.handle(key)
        secret = prompt
        switch action {
        case .quit:
            guard case .login = prompt.purpose else {
                secret = nil
                show(.info("not registered"))
                return nil
            }
            return quit()
        case .submit(let line):
            guard !line.isEmpty else { return nil }
            switch prompt.purpose {
            case .login(let continuation):
                secret = nil
                continuation.resume(returning: line)
            case .register(first: nil):
                secret = SecretPrompt(purpose: .register(first: line), label: "The same password again: ")
            case .register(first: let first?):
                secret = nil
                if first == line {
                    send(.register(password: line))
                } else {
                    show(.info("the two passwords differ: not registered (/register tries again)"))
                }
            }
            redraw()
        case .clearScreen:
            Terminal.write("\u{1B}[H\u{1B}[2J")
            redraw()
        case .none, .redraw: break
        }
        return nil
    }

    /// Handles a key; an exit status when the client is done.
    mutating func press(_ key: Key) -> Int32? {
        if let secret { return pressSecret(key, secret) }
        if case .altDigit(let number) = key {
            if let room = tabs.room(number: number) { switchTo(room) }
            return nil
        }
        switch editor.handle(key) {
        case .none: return nil
        case .redraw: redraw()
        case .clearScreen:
            Terminal.write("\u{1B}[H\u{1B}[2J")
            redraw()
        case .quit:
            return quit()
        case .submit(let line):
            guard session != nil else {
                options.name = NameRules.normalize(line)
                start()
                redraw()
                return nil
            }
            let parsed = UserInput.parse(line, room: tabs.target)
            // A password typed on the line is not one to recall.
            if case .send(.register) = parsed { editor.forgetLastLine() }
            switch parsed {
            case .nothing: break
            case .send(let message): send(message)
            case .registerPrompt:
                show(
                    .info("a password for \(myName.isEmpty ? options.name : myName) (it is not shown; Ctrl+C cancels)"))
                secret = SecretPrompt(purpose: .register(first: nil), label: "New password: ")
            case .join(let room):
                if tabs.marks.contains(room) { switchTo(room) } else { send(.join(room: room)) }
            case .switchTo(let room):
                if !switchTo(room) {
                    let name = TextSanitizer.clean(room)
                    show(.info("you are not in \(Room.display(name)); /join \(name) enters it"))
                }
            case .quit:
                // Offline, a goodbye after the waiting messages would wait for the server: leave now.
                guard online else { return quit() }
                leaving = true
                commands?.yield(.quit)
            case .help: print(UserInput.helpLines.map { formatter.lines(.info($0)) }.flatMap { $0 })
            case .hint(let hint): show(.info(hint))
            }
            redraw()
        }
        return nil
    }

    /// Sends `message`, or queues it while disconnected (up to `maxQueuedMessages`).
    mutating func send(_ message: ClientMessage) {
        if queued.tryTake() {
            commands?.yield(message)
            if !online && everOnline { show(.queued) }
        } else {
            show(.info("not sent: \(queued.capacity) messages already wait for the connection"))
        }
    }

    /// Makes `room` (one the person is in) current: the prompt names it, its unread count goes.
    @discardableResult
    mutating func switchTo(_ room: String) -> Bool {
        guard tabs.switchTo(room) else { return false }
        session?.setCurrentRoom(room)
        redraw()
        return true
    }

    /// Ctrl+C, Ctrl+D, end of input, a signal: leave at once; nil while the goodbye is under way.
    mutating func quit() -> Int32? {
        if case .login(let continuation) = secret?.purpose {
            // The session waits for the password: it gives up, then leaves.
            secret = nil
            leaving = true
            continuation.resume(returning: nil)
        }
        secret = nil
        guard let session else { return 0 }
        if !leaving {
            leaving = true
            show(.info("leaving…"))
        }
        session.requestQuit()
        return nil
    }

    /// Starts the session with `options.name`.
    mutating func start() {
        let sink = sink
        let shown = shown
        let queued = queued
        var options = options
        options.askPassword = { request in
            await withCheckedContinuation { continuation in sink.yield(.passwordWanted(request, continuation)) }
        }
        let session = ClientSession(options: options) { output in
            _ = await shown.take()
            sink.yield(.output(output))
        }
        let (commands, continuation) = AsyncStream.makeStream(of: ClientMessage.self)
        self.session = session
        self.commands = continuation
        sessionTask = Task {
            do {
                sink.yield(.ended(.success(try await session.run(commands: commands, credits: queued))))
            } catch {
                sink.yield(.ended(.failure(error)))
            }
        }
    }

    mutating func track(_ output: ClientOutput) {
        switch output {
        case .joined(let welcome, _, _):
            online = true
            everOnline = true
            myName = TextSanitizer.clean(welcome.name)
            tabs.serverHasRooms = welcome.token != nil
            if tabs.marks.rooms.isEmpty { tabs.enter(welcome.room, makeCurrent: true) }
        case .roomJoined(let room, _, _):
            tabs.enter(room, makeCurrent: true)
            session?.setCurrentRoom(room)
        case .renamed(_, let to): myName = TextSanitizer.clean(to)
        case .event(let event, let history):
            if history == nil || history == .catchUp { tabs.count(event) }
            if history == nil, event.takesOut(myName) { tabs.leave(event.room) }
        case .disconnected, .shutdown: online = false
        default: break
        }
    }

    /// Shows lines above the input line, then redraws it. A reconnection status replaces the
    /// one printed just before it, so a long outage takes one line, updated in place.
    mutating func show(_ output: ClientOutput) {
        let tabs = tabs
        let lines = formatter.lines(output, labels: { !tabs.isCurrent($0) })
        guard case .reconnecting = output else {
            // No line (a rename, an empty block) may still change the prompt.
            lines.isEmpty ? redraw() : print(lines)
            return
        }
        print(lines, replacingRows: statusRows ?? 0)
        statusRows = lines.reduce(0) { $0 + InputLine.rows(of: $1, width: input.width) }
    }

    /// Prints `lines` above the input line; `replacingRows` rows above it are cleared first.
    mutating func print(_ lines: [String], replacingRows: Int = 0) {
        guard !lines.isEmpty else { return }
        statusRows = nil
        let up = replacingRows > 0 ? "\u{1B}[\(replacingRows)A" : ""
        Terminal.write("\r" + up + "\u{1B}[J" + lines.joined(separator: "\r\n") + "\r\n" + drawInput())
    }

    mutating func redraw() {
        Terminal.write(drawInput())
    }

    mutating func drawInput() -> String {
        guard !leaving else { return "\r\u{1B}[2K" }
        let prompt: String
        let styled: String
        if let secret {
            // Nothing typed is drawn: an empty editor, the cursor right after the label.
            return input.draw(prompt: secret.label, editor: LineEditor())
        } else if session == nil {
            prompt = "name: "
            styled = prompt
        } else {
            let name = myName.isEmpty ? options.name : myName
            let state = online ? "" : "(offline) "
            prompt = "\(state)\(tabs.label)\(name)> "
            let dimmedState = state.isEmpty ? "" : "\u{1B}[2m\(state)\u{1B}[0m"
            let coloredName = "\u{1B}[1;\(NameColor.code(for: name))m\(name)\u{1B}[0m"
            styled = formatter.color ? "\(dimmedState)\(tabs.label)\(coloredName)> " : prompt
        }
        return input.draw(prompt: prompt, styledPrompt: styled, editor: editor)
    }

    /// Clears the input line and returns `status`, after putting the terminal back.
    func finish(_ status: Int32, error: String? = nil) -> Int32 {
        shown.close()
        queued.close()
        Terminal.write("\r\u{1B}[2K")
        Terminal.restore()
        if let error { FileHandle.standardError.write(Data((error + "\n").utf8)) }
        return status
    }
}

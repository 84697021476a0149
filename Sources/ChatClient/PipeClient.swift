import ChatModel
import ChatProtocol
import Foundation
import NIOConcurrencyHelpers

/// The client for scripts and pipes: each input line is a message (commands work too), each
/// event one plain line on standard output, never an escape code. With `listen` it only receives,
/// as a watcher: not in the member list, its coming and going not recorded.
/// End of input leaves cleanly; so do SIGINT, SIGTERM and SIGHUP.
public struct PipeClient: Sendable {
    /// Input lines that may wait for the connection; beyond them standard input is not read
    /// until the client is back (back pressure on whoever writes to it).
    public static let maxQueuedLines = 1000

    /// Where to connect; an empty `name` is read from the first input line (a listener is `listener`).
    public var options: ClientOptions
    /// Receive only: standard input is not read.
    public var listen: Bool
    /// How lines look: plain unless a listener writes to a terminal.
    public var formatter: OutputFormatter
    /// Lines to show before connecting (hosting).
    public var intro: [ClientOutput] = []
    /// `--password-stdin`: the first input line (after the name's, when the name is read too) is
    /// the password, sent only if the server asks for it. Without it, when the server asks before
    /// the welcome, the next input line is the password.
    public var passwordFromStdin: Bool

    public init(
        options: ClientOptions, listen: Bool, formatter: OutputFormatter, intro: [ClientOutput] = [],
        passwordFromStdin: Bool = false
    ) {
        self.options = options
        self.listen = listen
        self.formatter = formatter
        self.intro = intro
        self.passwordFromStdin = passwordFromStdin && !listen
    }

    /// Runs until input ends, a signal, or the server is gone for good; the exit status.
    public func run() async -> Int32 {
        let out = LineOutput()
        let formatter = formatter
        for item in intro { out.write(formatter.lines(item)) }
        var options = options
        let (commands, sink) = AsyncStream.makeStream(of: ClientMessage.self)
        let credits = Credits(capacity: Self.maxQueuedLines)
        defer { credits.close() }
        let sessionBox = NIOLockedValueBox<ClientSession?>(nil)
        let rooms = NIOLockedValueBox(PipeRooms())
        let interrupted = NIOLockedValueBox(false)
        let gate: PasswordGate? = listen || passwordFromStdin ? nil : PasswordGate()
        let watcher = SignalWatcher([SIGINT, SIGTERM, SIGHUP]) { _ in
            gate?.end()
            let session = sessionBox.withLockedValue { box -> ClientSession? in
                interrupted.withLockedValue { $0 = true }
                return box
            }
            session?.requestQuit()
            sink.finish()
        }
        defer { watcher.cancel() }
        if listen {
            if options.name.isEmpty { options.name = "listener" }
            options.watch = true
        } else {
            let (firstLines, firstSink) = AsyncStream.makeStream(of: String?.self)
            let needsName = options.name.isEmpty
            Self.forward(
                firstLines: (needsName ? 1 : 0) + (passwordFromStdin ? 1 : 0), to: sink, credits: credits,
                firstSink: firstSink, rooms: rooms, gate: gate)
            var iterator = firstLines.makeAsyncIterator()
            if needsName {
                guard let first = await iterator.next(), let name = first else {
                    if interrupted.withLockedValue({ $0 }) { return 0 }
                    FileHandle.standardError.write(Data("chat-client: no name given (use --name)\n".utf8))
                    return 1
                }
                options.name = NameRules.normalize(name)
            }
            if passwordFromStdin {
                guard let line = await iterator.next(), let password = line else {
                    if interrupted.withLockedValue({ $0 }) { return 0 }
                    FileHandle.standardError.write(Data("chat-client: --password-stdin: no password line\n".utf8))
                    return 1
                }
                // Asked for once; a refused password ends the client with the server's words.
                options.askPassword = { request in request.refusal == nil ? password : nil }
            } else if let gate {
                options.askPassword = { request in
                    guard request.refusal == nil else { return nil }
                    return await gate.ask()
                }
            }
        }
        let notices = NIOLockedValueBox(ReconnectNotices())
        let session = ClientSession(options: options) { output in
            if case .joined = output { gate?.open() }
            guard notices.withLockedValue({ $0.shows(output) }) else { return }
            let labels = rooms.withLockedValue { rooms in
                rooms.apply(output)
                return rooms
            }
            out.write(formatter.lines(output, labels: labels.labels))
        }
        sessionBox.withLockedValue { $0 = session }
        if interrupted.withLockedValue({ $0 }) { return 0 }
        do {
            let end = try await session.run(commands: commands, credits: credits)
            sink.finish()  // also keeps the listener's never-ending command stream alive until here
            if end == .connectionLost {
                let address = "\(options.host):\(options.port)"
                FileHandle.standardError.write(Data("chat-client: lost the connection to \(address)\n".utf8))
                return 1
            }
            if case .removed = end {
                let words = "chat-client: put out of the server by an operator; not reconnecting\n"
                FileHandle.standardError.write(Data(words.utf8))
                return 1
            }
            return 0
        } catch {
            gate?.end()
            if interrupted.withLockedValue({ $0 }) { return 0 }
            var words = ClientSession.describe(error)
            if case ConnectionError.refused(.passwordRequired, _) = error {
                words =
                    "\(options.name) is a registered name and no password came (--password-stdin, or the input line after the server asks)"
            }
            FileHandle.standardError.write(Data("chat-client: \(words)\n".utf8))
            return 1
        }
    }

    /// Reads standard input on its own task: the first `firstLines` lines (the name, the
    /// password) go to `firstSink`, the others become messages, to the room `rooms` says (through
    /// `gate` when there is one: a line may be the password); hints for mistyped commands go to
    /// standard error.
    /// Each message waits for a credit, so at most `maxQueuedLines` wait for the connection.
    private static func forward(
        firstLines: Int, to sink: AsyncStream<ClientMessage>.Continuation, credits: Credits,
        firstSink: AsyncStream<String?>.Continuation, rooms: NIOLockedValueBox<PipeRooms>, gate: PasswordGate?
    ) {
        Task {
            var splitter = LineSplitter()
            var firstLines = firstLines
            func handle(_ line: String) async -> Bool {
                if firstLines > 0 {
                    firstLines -= 1
                    firstSink.yield(line)
                    return true
                }
                if let gate, await gate.offer(line) { return true }
                switch rooms.withLockedValue({ $0.input(line) }) {
                case .send(let message):
                    guard await credits.take() else { return false }
                    sink.yield(message)
                case .quit:
                    sink.yield(.quit)
                    return false
                case .help:
                    FileHandle.standardError.write(Data(UserInput.helpLines.joined(separator: "\n").utf8 + [10]))
                case .hint(let hint): FileHandle.standardError.write(Data("chat-client: \(hint)\n".utf8))
                case .registerPrompt:
                    FileHandle.standardError.write(Data("chat-client: usage: /register PASSWORD [INVITE]\n".utf8))
                case .nothing, .join, .switchTo: break  // a join or switch comes as .send
                }
                return true
            }
            func reportDropped() {
                guard splitter.droppedLines > 0 else { return }
                let limit = LineSplitter.defaultMaxLineBytes / 1024
                let message = "chat-client: an input line longer than \(limit) KiB was not sent\n"
                for _ in 0..<splitter.droppedLines { FileHandle.standardError.write(Data(message.utf8)) }
                splitter.droppedLines = 0
            }
            reading: for await chunk in StandardInput.chunks() {
                let lines = splitter.feed(chunk)
                reportDropped()
                for line in lines where !(await handle(line)) { break reading }
            }
            if let last = splitter.finish() { _ = await handle(last) }
            reportDropped()
            if firstLines > 0 { firstSink.yield(nil) }
            gate?.end()
            sink.finish()
        }
    }
}

/// Standard output, one whole line at a time.
final class LineOutput: Sendable {
    // An NSLock: ThreadSanitizer reported the empty-valued NIOLockedValueBox this used as a race
    // between two writers (its storage is touched before the lock is taken).
    private let lock = NSLock()

    func write(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        lock.withLock { Terminal.write(lines.map { $0 + "\n" }.joined()) }
    }
}

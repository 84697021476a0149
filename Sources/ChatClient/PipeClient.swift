import ChatModel
import ChatProtocol
import Foundation
import NIOConcurrencyHelpers

/// The client for scripts and pipes: each input line is a message (commands work too), each
/// event one plain line on standard output, never an escape code. With `listen` it only receives.
/// End of input leaves cleanly; so do SIGINT, SIGTERM and SIGHUP.
public struct PipeClient: Sendable {
    /// Where to connect; an empty `name` is read from the first input line (a listener is `listener`).
    public var options: ClientOptions
    /// Receive only: standard input is not read.
    public var listen: Bool
    /// How lines look: plain unless a listener writes to a terminal.
    public var formatter: OutputFormatter
    /// Lines to show before connecting (hosting).
    public var intro: [ClientOutput] = []

    public init(options: ClientOptions, listen: Bool, formatter: OutputFormatter, intro: [ClientOutput] = []) {
        self.options = options
        self.listen = listen
        self.formatter = formatter
        self.intro = intro
    }

    /// Runs until input ends, a signal, or the server is gone for good; the exit status.
    public func run() async -> Int32 {
        let out = LineOutput()
        let formatter = formatter
        for item in intro { out.write(formatter.lines(item)) }
        var options = options
        let (commands, sink) = AsyncStream.makeStream(of: ClientMessage.self)
        let sessionBox = NIOLockedValueBox<ClientSession?>(nil)
        let interrupted = NIOLockedValueBox(false)
        let watcher = SignalWatcher([SIGINT, SIGTERM, SIGHUP]) { _ in
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
        } else {
            let (names, nameSink) = AsyncStream.makeStream(of: String?.self)
            Self.forward(needsName: options.name.isEmpty, to: sink, names: nameSink)
            if options.name.isEmpty {
                var iterator = names.makeAsyncIterator()
                guard let first = await iterator.next(), let name = first else {
                    if interrupted.withLockedValue({ $0 }) { return 0 }
                    FileHandle.standardError.write(Data("chat-client: no name given (use --name)\n".utf8))
                    return 1
                }
                options.name = NameRules.normalize(name)
            }
        }
        let session = ClientSession(options: options) { out.write(formatter.lines($0)) }
        sessionBox.withLockedValue { $0 = session }
        if interrupted.withLockedValue({ $0 }) { return 0 }
        do {
            let end = try await session.run(commands: commands)
            sink.finish()  // also keeps the listener's never-ending command stream alive until here
            return end == .connectionLost ? 1 : 0
        } catch {
            FileHandle.standardError.write(Data("chat-client: \(ClientSession.describe(error))\n".utf8))
            return 1
        }
    }

    /// Reads standard input on its own task: the first line is the name when one is needed, the
    /// others become messages; hints for mistyped commands go to standard error.
    private static func forward(
        needsName: Bool, to sink: AsyncStream<ClientMessage>.Continuation,
        names: AsyncStream<String?>.Continuation
    ) {
        Task {
            var splitter = LineSplitter()
            var needsName = needsName
            func handle(_ line: String) -> Bool {
                if needsName {
                    needsName = false
                    names.yield(line)
                    return true
                }
                switch UserInput.parse(line) {
                case .send(let message): sink.yield(message)
                case .quit:
                    sink.yield(.quit)
                    return false
                case .help:
                    FileHandle.standardError.write(Data(UserInput.helpLines.joined(separator: "\n").utf8 + [10]))
                case .hint(let hint): FileHandle.standardError.write(Data("chat-client: \(hint)\n".utf8))
                case .nothing: break
                }
                return true
            }
            reading: for await chunk in StandardInput.chunks() {
                for line in splitter.feed(chunk) where !handle(line) { break reading }
            }
            if let last = splitter.finish() { _ = handle(last) }
            if needsName { names.yield(nil) }
            sink.finish()
        }
    }
}

/// Standard output, one whole line at a time.
final class LineOutput: Sendable {
    private let lock = NIOLockedValueBox(())

    func write(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        lock.withLockedValue { _ in Terminal.write(lines.map { $0 + "\n" }.joined()) }
    }
}

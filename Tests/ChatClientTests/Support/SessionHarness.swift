import ChatClient
import ChatModel
import ChatProtocol
import ChatStore
import ChatTestSupport
import Foundation
import NIOConcurrencyHelpers

/// A `ClientSession` running in a task, with everything it showed collected.
final class SessionHarness: Sendable {
    let session: ClientSession
    private let collected = Collected()
    private let commands: AsyncStream<ClientMessage>.Continuation
    private let task: Task<SessionEnd, any Error>

    init(port: Int, name: String, _ configure: (inout ClientOptions) -> Void = { _ in }) {
        var options = ClientOptions(host: "127.0.0.1", port: port, name: name)
        options.backoff = Backoff(initial: 0.05, cap: 0.2)
        options.quitGrace = 5
        configure(&options)
        let collected = collected
        let session = ClientSession(options: options) { output in collected.items.withLockedValue { $0.append(output) }
        }
        let (stream, continuation) = AsyncStream.makeStream(of: ClientMessage.self)
        self.session = session
        commands = continuation
        task = Task { try await session.run(commands: stream) }
    }

    /// Everything shown so far.
    var outputs: [ClientOutput] { collected.items.withLockedValue { $0 } }

    /// The events shown, live or caught up (not answers to /history), in order.
    var shownEvents: [Event] {
        outputs.compactMap { output in
            guard case .event(let event, let history) = output, history != .requested else { return nil }
            return event
        }
    }

    /// The texts of messages shown.
    var shownTexts: [String] { shownEvents.filter { $0.kind == .message }.map(\.text) }

    func send(_ message: ClientMessage) { commands.yield(message) }

    /// Waits until an output matches.
    func waitFor(
        within seconds: Double = 15, _ what: String, _ matches: @escaping (ClientOutput) -> Bool
    ) async throws {
        try await eventually(within: seconds, "\(what); saw \(outputs.suffix(8))") { outputs.contains(where: matches) }
    }

    /// Waits until a message with `text` was shown.
    func waitForMessage(_ text: String, within seconds: Double = 15) async throws {
        try await eventually(within: seconds, "message \(text); saw \(shownTexts.suffix(5))") {
            shownTexts.contains(text)
        }
    }

    /// Sends a join and waits for the server's answer.
    func join(_ room: String) async throws {
        send(.join(room: room))
        try await waitFor("the answer to joining \(room)") {
            if case .roomJoined(let joined, _, _) = $0 { return Room.key(joined) == Room.key(room) }
            return false
        }
    }

    /// The texts of messages shown of `room`.
    func shownTexts(in room: String) -> [String] {
        shownEvents.filter { $0.kind == .message && Room.key($0.room) == Room.key(room) }.map(\.text)
    }

    /// Leaves and returns how the session ended (bounded).
    func quit(within seconds: Double = 15) async throws -> SessionEnd {
        commands.yield(.quit)
        return try await ended(within: seconds)
    }

    /// How the session ended, once it has (bounded: a session that does not end in time is cancelled).
    func ended(within seconds: Double = 15) async throws -> SessionEnd {
        let task = task
        // Awaiting `task.value` cannot be cancelled: wait for it in a task of its own, and race it.
        let outcome = OneShot<Result<SessionEnd, any Error>?>()
        let waiter = Task { outcome.settle(await task.result) }
        let timer = Task {
            try await Task.sleep(for: .seconds(seconds))
            outcome.settle(nil)
        }
        defer {
            waiter.cancel()
            timer.cancel()
        }
        guard let result = await outcome.value else {
            task.cancel()
            throw WaitFailure(description: "the session did not end within \(seconds) s; saw \(outputs.suffix(5))")
        }
        return try result.get()
    }

    func cancel() { task.cancel() }
}

/// Another person in the room, speaking through the structured protocol.
func talk(port: Int, as name: String, _ texts: [String], pauseEvery: Int = 10) async throws {
    try await ChatConnection.withConnection(host: "127.0.0.1", port: port, name: name) { chat in
        for (index, text) in texts.enumerated() {
            try await chat.send(.say(text))
            if index % pauseEvery == pauseEvery - 1 { try await Task.sleep(for: .milliseconds(3)) }
        }
        // Wait (bounded) for the last message to come back: it is recorded.
        let last = texts.last.map(TextSanitizer.clean)
        let deadline = ContinuousClock.now + .seconds(15)
        while let message = try await chat.next() {
            if case .event(let event, false) = message, event.user == chat.welcome.name, event.text == last {
                break
            }
            guard ContinuousClock.now < deadline else { throw WaitFailure(description: "\(name)'s echo never came") }
        }
        try await chat.quit()
    }
}

/// Another person in `room` (entered first unless it is the default room), saying `texts` there.
func talk(port: Int, as name: String, in room: String, _ texts: [String], pauseEvery: Int = 10) async throws {
    try await ChatConnection.withConnection(host: "127.0.0.1", port: port, name: name) { chat in
        let deadline = ContinuousClock.now + .seconds(15)
        if room != chat.welcome.room {
            try await chat.send(.join(room: room))
            while let message = try await chat.next() {
                if case .joined = message { break }
                guard ContinuousClock.now < deadline else { throw WaitFailure(description: "\(name) never joined") }
            }
        }
        for (index, text) in texts.enumerated() {
            try await chat.send(.say(text, room: room))
            if index % pauseEvery == pauseEvery - 1 { try await Task.sleep(for: .milliseconds(3)) }
        }
        let last = texts.last.map(TextSanitizer.clean)
        while let message = try await chat.next() {
            if case .event(let event, false) = message, event.user == chat.welcome.name, event.text == last {
                break
            }
            guard ContinuousClock.now < deadline else { throw WaitFailure(description: "\(name)'s echo never came") }
        }
        try await chat.quit()
    }
}

/// A gate a test opens once.
final class Gate: Sendable {
    private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLockedValue { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A value settled once, by whoever comes first; `value` waits for it.
final class OneShot<Value: Sendable>: Sendable {
    private let state = NIOLockedValueBox<(value: Value?, settled: Bool, waiters: [CheckedContinuation<Value, Never>])>(
        (nil, false, []))

    func settle(_ value: Value) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Value, Never>] in
            guard !state.settled else { return [] }
            state.settled = true
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let now = state.withLockedValue { state -> Value? in
                    if state.settled { return state.value }
                    state.waiters.append(continuation)
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        }
    }
}

/// What a session showed, shared with its output closure.
final class Collected: Sendable {
    let items = NIOLockedValueBox<[ClientOutput]>([])
}

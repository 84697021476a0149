import ChatModel
import ChatProtocol
import ChatStore

/// Who a simulated client stands for: an original connection, or a name when the record has no
/// connection numbers.
enum ParticipantKey: Hashable, Sendable {
    case connection(Int64)
    case user(String)

    init(_ event: Event) {
        self = event.connection.map(ParticipantKey.connection) ?? .user(event.user)
    }
}

/// What the re-enactment has seen of the target: the observer's live events and each simulated
/// client's welcome. The conductor waits on it, with a time limit, for each step to be recorded.
actor ReenactmentLog {
    private(set) var events: [Event] = []
    private var welcomes: [ParticipantKey: String] = [:]
    private var failure: ReplayError?
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiter = 0
    /// The observer's connection, to say goodbye on when the re-enactment ends.
    private(set) var observer: ChatSender?

    enum Condition {
        /// The first event after `index` of this kind by this user.
        case event(EventKind, user: String, after: Int)
        case welcome(ParticipantKey)
    }

    enum Outcome {
        case index(Int)
        case name(String)
    }

    private struct Waiter {
        let condition: Condition
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    func append(_ event: Event) {
        events.append(event)
        wake()
    }

    func observing(with sender: ChatSender) {
        observer = sender
    }

    func welcomed(_ key: ParticipantKey, as name: String) {
        welcomes[key] = name
        wake()
    }

    /// Fails every wait, now and later.
    func fail(_ error: ReplayError) {
        if failure == nil { failure = error }
        wake()
    }

    /// Waits for `condition`, at most `timeout`; `what` names the step in the error.
    func wait(for condition: Condition, timeout: Duration, what: String) async throws -> Outcome {
        if let outcome = resolve(condition) { return outcome }
        if let failure { throw failure }
        let id = nextWaiter
        nextWaiter += 1
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.expire(id, what: what, timeout: timeout)
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            waiters[id] = Waiter(condition: condition, continuation: continuation)
        }
    }

    private func expire(_ id: Int, what: String, timeout: Duration) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.continuation.resume(
            throwing: ReplayError("the target did not record \(what) within \(timeout.components.seconds) s"))
    }

    private func wake() {
        for (id, waiter) in waiters {
            if let outcome = resolve(waiter.condition) {
                waiters.removeValue(forKey: id)
                waiter.continuation.resume(returning: outcome)
            } else if let failure {
                waiters.removeValue(forKey: id)
                waiter.continuation.resume(throwing: failure)
            }
        }
    }

    private func resolve(_ condition: Condition) -> Outcome? {
        switch condition {
        case .welcome(let key):
            return welcomes[key].map(Outcome.name)
        case .event(let kind, let user, let after):
            guard after + 1 < events.count else { return nil }
            for index in (after + 1)..<events.count where events[index].kind == kind && events[index].user == user {
                return .index(index)
            }
            return nil
        }
    }
}

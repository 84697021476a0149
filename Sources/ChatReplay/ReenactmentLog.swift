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

/// What the re-enactment has seen of the target: the observer's live events (and the private
/// messages the simulated clients sent, which only they see), the rooms the observer is in, and
/// each simulated client's welcome. The conductor waits on it, with a time limit, for each step to
/// be recorded.
actor ReenactmentLog {
    private(set) var events: [Event] = []
    private var welcomes: [ParticipantKey: String] = [:]
    private var observerRooms: Set<String> = []
    /// The target's refusals of the observer's joins (room limits), the last one's words.
    private(set) var observerRefusals = 0
    private(set) var observerRefusal = ""
    private var failure: ReplayError?
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiter = 0
    /// The observer's connection, to say goodbye on when the re-enactment ends.
    private(set) var observer: ChatSender?

    enum Condition {
        /// The first event after `index`, not among `taken`, that `matches`.
        case event(after: Int, taken: Set<Int>, matches: @Sendable (Event) -> Bool)
        case welcome(ParticipantKey)
        /// The observer is in the room with this key (`Room.key`), or (`.index(refusals)`) the
        /// target has refused it more than `refusals` times.
        case observerIn(String, refusals: Int)
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

    /// The observer is in `room` (its welcome's room, or a `joined` reply).
    func observerJoined(_ room: String) {
        observerRooms.insert(Room.key(room))
        wake()
    }

    func observerIsIn(_ room: String) -> Bool { observerRooms.contains(Room.key(room)) }

    /// The target refused the observer's join (a room limit): `message`.
    func observerRefused(_ message: String) {
        observerRefusals += 1
        observerRefusal = message
        wake()
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
        case .observerIn(let room, let refusals):
            if observerRooms.contains(room) { return .name(room) }
            return observerRefusals > refusals ? .index(observerRefusals) : nil
        case .event(let after, let taken, let matches):
            guard after + 1 < events.count else { return nil }
            for index in (after + 1)..<events.count where !taken.contains(index) && matches(events[index]) {
                return .index(index)
            }
            return nil
        }
    }
}

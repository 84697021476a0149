import ChatModel

extension Reenactor {
    /// What happened: the original, what the target recorded while the session was re-enacted,
    /// and the names the target gave.
    public struct Outcome: Sendable {
        /// The original events, in order.
        public var original: [EventKey]
        /// The events the observer saw, and the private messages the clients sent, from its arrival
        /// through the last re-enacted step, without the observer's own.
        public var observed: [Event]
        /// Original name to the name the target gave, for every participant and every rename (equal
        /// when unchanged).
        public var names: [(from: String, to: String)]
        /// The name the observer got.
        public var observerName: String
        /// Target ids of the first and last re-enacted step (nil when the session was empty).
        public var targetIDs: ClosedRange<Int64>?

        /// Target events as keys with the original names put back (who, a rename's new name, a
        /// private message's recipient), so only real differences remain.
        public func targetKeys(_ events: [Event]) -> [EventKey] {
            let original = Dictionary(names.map { ($0.to, $0.from) }, uniquingKeysWith: { first, _ in first })
            return events.filter { $0.user != observerName }.map { EventKey($0) { original[$0] ?? $0 } }
        }

        /// The renames alone.
        public var renames: [(from: String, to: String)] { names.filter { $0.from != $0.to } }
    }
}

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
        /// Target events the observer did in a participant's stead (a room kick: the observer is
        /// the operator of the rooms it made), by id: the participant's name on the target.
        public var standIns: [Int64: String] = [:]

        /// Target events as keys with the original names put back (who, a rename's new name, a
        /// private message's recipient; a stand-in's act as its participant's), so only real
        /// differences remain.
        public func targetKeys(_ events: [Event]) -> [EventKey] {
            let original = Dictionary(names.map { ($0.to, $0.from) }, uniquingKeysWith: { first, _ in first })
            return events.compactMap { event in
                var event = event
                if let participant = standIns[event.id] { event.user = participant }
                return event.user == observerName ? nil : EventKey(event) { original[$0] ?? $0 }
            }
        }

        /// The renames alone.
        public var renames: [(from: String, to: String)] { names.filter { $0.from != $0.to } }
    }
}

import ChatModel

extension ChatDirectory {
    /// A room's member: a connection of this node (`session` nil), or of another node's session.
    struct Seat: Hashable {
        var session: Int64?
        var connection: Int64

        static func local(_ connection: Int64) -> Seat { Seat(session: nil, connection: connection) }
    }

    /// A room: who is in it (on every node), its topic, modes and roles.
    struct RoomState {
        var name: String
        /// By seat: the member's name.
        var members: [Seat: String] = [:]
        var topic: Topic?
        /// Its modes and roles, kept while anyone is in it (like an IRC channel's).
        var flags: Set<RoomFlag> = []
        var roles: [Seat: Set<RoomRole>] = [:]
        /// This node's members whose join is not committed yet (with other nodes): a join of
        /// another node committed meanwhile came first.
        var entering: Set<Seat> = []
        /// Who was made its operator for entering it empty.
        var founder: Seat?

        /// Puts `seat` in as `name`; whoever enters an empty room is its first operator. A join
        /// of another node's member that comes while this node's members in the room are all
        /// `entering` came first: the role is its own, not theirs.
        mutating func enter(_ seat: Seat, named name: String, committed: Bool) {
            let first = seat.session == nil ? members.isEmpty : members.keys.allSatisfy(entering.contains)
            if first {
                if let founder, entering.contains(founder) { roles[founder]?.remove(.operator) }
                roles[seat, default: []].insert(.operator)
                founder = seat
            }
            members[seat] = name
            if !committed { entering.insert(seat) }
        }

        /// The join of this node's `seat` is committed: no join of another node can come before it now.
        mutating func joinCommitted(_ seat: Seat) {
            entering.remove(seat)
        }

        /// Takes `seat` out; an empty room forgets its modes.
        mutating func remove(_ seat: Seat) {
            guard members.removeValue(forKey: seat) != nil else { return }
            roles[seat] = nil
            entering.remove(seat)
            if founder == seat { founder = nil }
            if members.isEmpty { flags = [] }
        }

        /// The seat of the member with `name`'s skeleton.
        func seat(named name: String) -> Seat? {
            let key = NameRules.skeleton(name)
            return members.first { NameRules.skeleton($0.value) == key }?.key
        }
    }
}

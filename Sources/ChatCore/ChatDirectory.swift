import ChatModel
import ChatStore

/// Who is here and where: the names of the server (unique by `NameRules.skeleton`, so without
/// regard to case or lookalike letters, whichever room their holder is in), its rooms (made by their first join, kept when empty), who is in each,
/// and each room's topic. Shared by every connection; each call takes its lock once.
///
/// On a database shared by several nodes (`followOtherSessions`), a room's members include the
/// other nodes' members, kept from their committed events (see `committed(_:)`); the names of
/// the server (`person`, `count`, `everyone`) stay this node's.
public final class ChatDirectory: Sendable {
    /// The room every newcomer starts in.
    public let defaultRoom: String
    /// Behind the store's `Locked` rather than `Mutex`, which ThreadSanitizer cannot see.
    let state: Locked<State>
    let makeToken: @Sendable () -> String

    /// A room's topic: its text (empty: none), who set it and when.
    public struct Topic: Sendable, Equatable {
        public var text: String
        public var by: String
        public var timeMillis: Int64
    }

    struct State {
        /// By name key (`NameRules.skeleton`): the name as given, its connection.
        var people: [String: (name: String, connection: Int64)] = [:]
        /// By name key: the token that resumes the name's private messages.
        var tokens: [String: String] = [:]
        /// By room key.
        var rooms: [String: RoomState] = [:]
        /// Room keys in the order the rooms were made.
        var order: [String] = []
        /// The connections that hold the server's operator role.
        var serverOperators: Set<Int64> = []
        /// Whether other sessions' joins and leaves are followed (`followOtherSessions`).
        var followsOthers = false
        /// This node's session, once known: its events change no member here.
        var ownSession: Int64?

        /// Makes the room `name` unless it exists; its key.
        @discardableResult
        mutating func makeRoom(_ name: String) -> String {
            let key = Room.key(name)
            if rooms[key] == nil {
                rooms[key] = RoomState(name: name)
                order.append(key)
            }
            return key
        }
    }

    /// A member of a room, with the roles it holds there.
    public struct RoomMember: Sendable, Equatable {
        public var name: String
        public var roles: Set<RoomRole>
    }

    /// - Parameters:
    ///   - rooms: the rooms of the record (`EventReader.roomNames()`), oldest first.
    ///   - topics: each room's last topic event (`EventReader.topics()`).
    ///   - makeToken: makes the tokens that resume private messages (random unless a test says).
    public init(
        defaultRoom: String = Room.defaultName, rooms: [String] = [], topics: [Event] = [],
        makeToken: @escaping @Sendable () -> String = ChatDirectory.randomToken
    ) {
        self.defaultRoom = defaultRoom
        self.makeToken = makeToken
        var state = State()
        for name in [defaultRoom] + rooms { state.makeRoom(name) }
        for event in topics {
            state.rooms[Room.key(event.room)]?.topic = Topic(
                text: event.text, by: event.user, timeMillis: event.timeMillis)
        }
        self.state = Locked(state)
    }

    // MARK: Names

    /// Admits `connection` under `requested` (already clean and not reserved), or under
    /// `requested2`, `requested3`, ... when someone present has a name with its skeleton
    /// (`lookalike`: that name). `token` is the one the client was given last time: when it
    /// matches the name's, the name's private messages may be resumed. `avoiding`: name keys held
    /// on other nodes (see `CoreConfiguration.namesShared`), skipped as if present here.
    public func admit(
        _ connection: Int64, as requested: String, token presented: String? = nil, avoiding: Set<String> = []
    ) -> (name: String, token: String, resumesPrivate: Bool, lookalike: String?) {
        state.withLock { state in
            let lookalike = state.people[NameRules.skeleton(requested)]?.name
            let name = NameRules.unique(requested) {
                state.people[NameRules.skeleton($0)] != nil || avoiding.contains(NameRules.skeleton($0))
            }
            let key = NameRules.skeleton(name)
            state.people[key] = (name, connection)
            if let presented, state.tokens[key] == presented { return (name, presented, true, lookalike) }
            let token = makeToken()
            state.tokens[key] = token
            return (name, token, false, lookalike)
        }
    }

    /// Admits `connection` under exactly `requested` (already clean and not reserved) and returns
    /// its token; nil when someone present has a name with its skeleton (an IRC client is told the
    /// nick is taken, and picks another).
    public func claim(_ connection: Int64, as requested: String) -> String? {
        state.withLock { state in
            let key = NameRules.skeleton(requested)
            guard state.people[key] == nil else { return nil }
            state.people[key] = (requested, connection)
            let token = makeToken()
            state.tokens[key] = token
            return token
        }
    }

    /// Gives `connection`, called `old`, the name `new` (clean and not reserved) in every room it
    /// is in; nil when someone else has a name with its skeleton. Changing one's own name to one
    /// with the same skeleton (another case) is allowed.
    public func rename(_ connection: Int64, from old: String, to new: String) -> String? {
        state.withLock { state in
            let key = NameRules.skeleton(new)
            if let holder = state.people[key], holder.connection != connection { return nil }
            let oldKey = NameRules.skeleton(old)
            state.people[oldKey] = nil
            state.people[key] = (new, connection)
            state.tokens[key] = state.tokens.removeValue(forKey: oldKey) ?? makeToken()
            for roomKey in state.order where state.rooms[roomKey]?.members[.local(connection)] != nil {
                state.rooms[roomKey]?.members[.local(connection)] = new
            }
            return new
        }
    }

    /// Takes `connection` out of every room, and frees `name` if it holds it.
    public func remove(_ connection: Int64, named name: String) {
        state.withLock { state in
            let key = NameRules.skeleton(name)
            if state.people[key]?.connection == connection { state.people[key] = nil }
            state.serverOperators.remove(connection)
            for key in state.order { state.rooms[key]?.remove(.local(connection)) }
        }
    }

    /// The name as given of whoever has a name with `name`'s skeleton (any case, any lookalike),
    /// nil when nobody does.
    public func person(_ name: String) -> String? {
        let key = NameRules.skeleton(name)
        return state.withLock { $0.people[key]?.name }
    }

    /// The connection of whoever has a name with `name`'s skeleton, nil when nobody does.
    public func connection(of name: String) -> Int64? {
        let key = NameRules.skeleton(name)
        return state.withLock { $0.people[key]?.connection }
    }

    /// People on the server.
    public var count: Int { state.withLock { $0.people.count } }

    /// Rooms the server has now (secret ones too), for its metrics.
    public var roomCount: Int { state.withLock { $0.rooms.count } }

    /// Takes note that `connection` holds the server's operator role (an operator's account, or
    /// IRC's `OPER`).
    public func markServerOperator(_ connection: Int64) {
        _ = state.withLock { $0.serverOperators.insert(connection) }
    }

    /// Whether whoever is called `name` holds the server's operator role.
    public func isServerOperator(_ name: String) -> Bool {
        let key = NameRules.skeleton(name)
        return state.withLock { state in
            state.people[key].map { state.serverOperators.contains($0.connection) } ?? false
        }
    }

    /// Everyone on the server, sorted.
    public func everyone() -> [String] {
        state.withLock { $0.people.values.map(\.name) }.sorted()
    }

    // MARK: Rooms

    /// The existing room called `name` (any case), as it is spelled; nil when there is none.
    public func room(_ name: String) -> String? {
        state.withLock { $0.rooms[Room.key(name)]?.name }
    }

    /// Puts `connection` (called `name`) in `room` (a valid name), making the room when it is new
    /// unless the server already has `maxRooms`. Returns the room as spelled, or why not.
    public func enter(_ connection: Int64, named name: String, room: String, maxRooms: Int) -> Result<String, Failure> {
        state.withLock { state in
            let key = Room.key(room)
            if state.rooms[key] == nil, state.order.count >= maxRooms {
                return .failure(.tooManyRooms(limit: maxRooms))
            }
            state.makeRoom(room)
            state.rooms[key]!.enter(.local(connection), named: name, committed: !state.followsOthers)
            return .success(state.rooms[key]!.name)
        }
    }

    /// Takes `connection` out of `room`.
    public func leave(_ connection: Int64, room: String) {
        state.withLock { $0.rooms[Room.key(room)]?.remove(.local(connection)) }
    }

    /// The members of `room` (on every node), with their roles, sorted by name.
    public func members(of room: String) -> [RoomMember] {
        let members: [RoomMember] = state.withLock { state in
            guard let room = state.rooms[Room.key(room)] else { return [] }
            return room.members.map { seat, name in RoomMember(name: name, roles: room.roles[seat] ?? []) }
        }
        return members.sorted { $0.name.localizedLowercase < $1.name.localizedLowercase }
    }

    /// The roles `connection` holds in `room`.
    public func roles(of connection: Int64, in room: String) -> Set<RoomRole> {
        state.withLock { $0.rooms[Room.key(room)]?.roles[.local(connection)] ?? [] }
    }

    /// The modes `room` has on.
    public func flags(of room: String) -> Set<RoomFlag> {
        state.withLock { $0.rooms[Room.key(room)]?.flags ?? [] }
    }

    /// The names in `room` (nil: the default room), on every node, sorted.
    public func names(in room: String? = nil) -> [String] {
        state.withLock { Array($0.rooms[Room.key(room ?? defaultRoom)]?.members.values ?? [:].values) }
            .sorted { $0.localizedLowercase < $1.localizedLowercase }
    }

    /// Every room in the order made, with its member count (on every node) and topic; a secret
    /// room only when `connection` is in it.
    public func summaries(for connection: Int64? = nil) -> [RoomSummary] {
        state.withLock { state in
            state.order.compactMap { state.rooms[$0] }.filter {
                !$0.flags.contains(.secret) || connection.map { .local($0) }.map($0.members.keys.contains) == true
            }.map {
                RoomSummary(name: $0.name, members: $0.members.count, topic: $0.topic?.text ?? "")
            }
        }
    }

    /// `room`'s topic, nil when none was ever set.
    public func topic(of room: String) -> Topic? {
        state.withLock { $0.rooms[Room.key(room)]?.topic }
    }

    /// 128 random bits, in hex.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: "-")
    }
}

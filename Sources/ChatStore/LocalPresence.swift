import ChatModel

/// `Presence` for one node, in memory: what a single `chat-server` on SQLite needs (no other
/// node can hold a name, and none can die without this one).
public final class LocalPresence: Presence {
    public let session: Int64
    private let state = Locked(State())

    private struct State {
        /// By name key (`NameRules.skeleton`).
        var names: [String: PresentName] = [:]
        /// The name key each connection holds.
        var keys: [Int64: String] = [:]
        /// By room key: its members' connections, in the order they entered.
        var rooms: [String: [Int64]] = [:]
        /// By connection: the rooms it is in, as it spelled them, in the order it entered them.
        var entered: [Int64: [String]] = [:]
    }

    public init(session: Int64 = 0) {
        self.session = session
    }

    public func claim(_ connection: Int64, as name: String) throws(StoreError) -> NameClaim {
        let key = NameRules.skeleton(name)
        return try state.withLock { state throws(StoreError) in
            if let holder = state.names[key] { return .taken(by: holder) }
            guard state.keys[connection] == nil else {
                throw StoreError(
                    .invalidArgument, path: "presence", message: "connection \(connection) holds a name: rename it")
            }
            state.names[key] = PresentName(name: name, session: session, connection: connection)
            state.keys[connection] = key
            return .granted
        }
    }

    public func rename(_ connection: Int64, to new: String) throws(StoreError) -> NameClaim {
        let key = NameRules.skeleton(new)
        return try state.withLock { state throws(StoreError) in
            guard let old = state.keys[connection] else {
                throw StoreError(
                    .notFound, path: "presence", message: "connection \(connection) holds no name to rename")
            }
            if let holder = state.names[key], holder.connection != connection { return .taken(by: holder) }
            state.names[old] = nil
            state.names[key] = PresentName(name: new, session: session, connection: connection)
            state.keys[connection] = key
            return .granted
        }
    }

    @discardableResult
    public func release(_ connection: Int64) -> Bool {
        state.withLock { state in
            guard let key = state.keys.removeValue(forKey: connection) else { return false }
            state.names[key] = nil
            for room in state.entered.removeValue(forKey: connection) ?? [] {
                state.rooms[Room.key(room)]?.removeAll { $0 == connection }
            }
            return true
        }
    }

    public func holder(of name: String) -> PresentName? {
        let key = NameRules.skeleton(name)
        return state.withLock { $0.names[key] }
    }

    public func everyone() -> [PresentName] {
        state.withLock { state in state.names.sorted { $0.key < $1.key }.map(\.value) }
    }

    @discardableResult
    public func enter(_ connection: Int64, room: String) throws(StoreError) -> Bool {
        let key = Room.key(room)
        return try state.withLock { state throws(StoreError) in
            guard state.keys[connection] != nil else {
                throw StoreError(
                    .notFound, path: "presence", message: "connection \(connection) holds no name: claim one first")
            }
            if state.rooms[key, default: []].contains(connection) { return false }
            state.rooms[key, default: []].append(connection)
            state.entered[connection, default: []].append(room)
            return true
        }
    }

    @discardableResult
    public func leave(_ connection: Int64, room: String) -> Bool {
        let key = Room.key(room)
        return state.withLock { state in
            guard let index = state.rooms[key]?.firstIndex(of: connection) else { return false }
            state.rooms[key]?.remove(at: index)
            state.entered[connection]?.removeAll { Room.key($0) == key }
            return true
        }
    }

    public func members(of room: String) -> [PresentName] {
        let key = Room.key(room)
        return state.withLock { state in
            (state.rooms[key] ?? []).compactMap { state.keys[$0].flatMap { state.names[$0] } }
        }
    }

    public func rooms(of connection: Int64) -> [String] {
        state.withLock { $0.entered[connection] ?? [] }
    }
}

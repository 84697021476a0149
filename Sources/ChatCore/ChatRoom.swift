import ChatModel
import Synchronization

/// Who is in a room, by connection: names are unique without regard to case.
public final class ChatRoom: Sendable {
    public let name: String
    private let members = Mutex<[String: (name: String, connection: Int64)]>([:])

    public init(name: String = Room.defaultName) {
        self.name = name
    }

    /// Admits `connection` under `requested` (already clean and not reserved), or under
    /// `requested2`, `requested3`, ... when taken. Returns the name given.
    public func admit(_ connection: Int64, as requested: String) -> String {
        members.withLock { members in
            let name = NameRules.unique(requested) { members[$0.lowercased()] != nil }
            members[name.lowercased()] = (name, connection)
            return name
        }
    }

    /// Takes `connection` out of the room, if it holds `name`.
    public func remove(_ connection: Int64, named name: String) {
        members.withLock { members in
            if members[name.lowercased()]?.connection == connection { members[name.lowercased()] = nil }
        }
    }

    /// The names in the room, sorted.
    public var names: [String] {
        members.withLock { $0.values.map(\.name) }.sorted { $0.localizedLowercase < $1.localizedLowercase }
    }

    public var count: Int { members.withLock { $0.count } }
}

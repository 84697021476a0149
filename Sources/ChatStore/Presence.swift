/// A name present on some node: as given, the node's session, and the connection there.
public struct PresentName: Sendable, Hashable {
    public var name: String
    public var session: Int64
    public var connection: Int64

    public init(name: String, session: Int64, connection: Int64) {
        self.name = name
        self.session = session
        self.connection = connection
    }
}

/// The outcome of claiming a name, or renaming to one.
public enum NameClaim: Sendable, Hashable {
    case granted
    /// Someone present holds a name with that skeleton (nil: they let it go just after).
    case taken(by: PresentName?)
}

/// Who is present and in which room: the names (unique by `NameRules.skeleton`, whatever node
/// holds them) and room members behind the core's `ChatDirectory`. `LocalPresence` keeps them in
/// memory for one node; `PostgresPresence` (ChatStorePostgres) in the database, for every node
/// of it, with heartbeats and the reap of a dead node. Not used by the core yet.
public protocol Presence: Sendable {
    /// This node's session: the `session` of every `PresentName` it holds.
    var session: Int64 { get }

    /// Gives `connection` (of this node) exactly `name` (clean, not reserved) unless someone
    /// present has a name with its skeleton. A connection holds one name.
    func claim(_ connection: Int64, as name: String) async throws(StoreError) -> NameClaim
    /// Gives `connection`, which holds a name, the name `new` instead (its own in another case is fine).
    func rename(_ connection: Int64, to new: String) async throws(StoreError) -> NameClaim
    /// Frees the name of `connection` and takes it out of every room; false when it held none.
    @discardableResult func release(_ connection: Int64) async throws(StoreError) -> Bool
    /// Whoever holds a name with `name`'s skeleton, nil when nobody does.
    func holder(of name: String) async throws(StoreError) -> PresentName?
    /// Everyone present, by name key.
    func everyone() async throws(StoreError) -> [PresentName]

    /// Puts `connection` (holding a name) in `room`; false when it was in already.
    @discardableResult func enter(_ connection: Int64, room: String) async throws(StoreError) -> Bool
    /// Takes `connection` out of `room`; false when it was not in it.
    @discardableResult func leave(_ connection: Int64, room: String) async throws(StoreError) -> Bool
    /// The members of `room` (any case), in the order they entered it.
    func members(of room: String) async throws(StoreError) -> [PresentName]
    /// The rooms `connection` is in, in the order it entered them, as it spelled them.
    func rooms(of connection: Int64) async throws(StoreError) -> [String]
}

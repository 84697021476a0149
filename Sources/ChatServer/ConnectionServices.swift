import ChatCore
import ChatModel
import ChatStore
import Logging
import NIOCore
import NIOPosix

/// What a connection's handler works with: the core, the fan-out (`RoomHub`), the doors of its port and the
/// server's settings. A server has one; a test can make its own, without sockets.
struct ConnectionServices: Sendable {
    let core: ChatCore
    let hub: RoomHub
    var doors: DoorSet
    let configuration: ServerConfiguration
    let logger: Logger
    /// Where passwords are hashed and checked: a few threads of their own, so that a flood of
    /// logins delays logins, not catch-ups and history.
    let passwordPool: NIOThreadPool
    /// Every open connection, for operators who put someone out.
    let registry: ConnectionRegistry
    /// A member left the server (its name is free; `core.directory.count` tells who is left).
    let memberLeft: @Sendable () -> Void
    /// The connection is over.
    let closed: @Sendable (_ connection: Int64, _ peer: SocketAddress?, _ reason: LeaveReason) -> Void
    /// The connection gave a name (or a watcher's hello): it is no longer a newcomer.
    var joined: @Sendable (_ connection: Int64) -> Void = { _ in }
    /// The server's instruments, when it serves metrics.
    var metrics: ServerMetrics?
    /// Names and room members across the nodes of a shared database (PostgreSQL); nil: this
    /// node's `ChatDirectory` alone (SQLite).
    var presence: (any Presence)?
}

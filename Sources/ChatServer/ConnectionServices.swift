import ChatCore
import ChatModel
import Logging
import NIOCore

/// What a connection's handler works with: the core, the fan-out, the doors of its port and the
/// server's settings. A server has one; a test can make its own, without sockets.
struct ConnectionServices: Sendable {
    let core: ChatCore
    let room: LiveRoom
    let doors: DoorSet
    let configuration: ServerConfiguration
    let logger: Logger
    /// The connection is over.
    let closed: @Sendable (_ connection: Int64, _ peer: SocketAddress?, _ reason: LeaveReason) -> Void
}

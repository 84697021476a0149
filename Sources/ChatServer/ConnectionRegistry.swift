import ChatModel
import NIOConcurrencyHelpers

/// Every open connection's way out, for operators: by connection, or every connection from an
/// address, out of the server or out of one room. Each entry hops to its connection's event loop.
final class ConnectionRegistry: Sendable {
    /// Puts a connection out: who did it, why it leaves (kicked or banned), and the words given.
    typealias Removal = @Sendable (_ by: String, _ reason: LeaveReason, _ why: String) -> Void

    /// Puts a connection out of one room (a room operator's kick); it stays on the server.
    typealias RoomRemoval = @Sendable (_ room: String) -> Void

    private struct Entry {
        var address: String
        var remove: Removal
        var removeFromRoom: RoomRemoval
    }

    private let entries = NIOLockedValueBox([Int64: Entry]())

    func add(
        _ connection: Int64, address: String, remove: @escaping Removal, removeFromRoom: @escaping RoomRemoval
    ) {
        entries.withLockedValue {
            $0[connection] = Entry(address: address, remove: remove, removeFromRoom: removeFromRoom)
        }
    }

    func forget(_ connection: Int64) {
        _ = entries.withLockedValue { $0.removeValue(forKey: connection) }
    }

    /// Puts out `connection`, if it is open.
    func putOut(_ connection: Int64, by: String, reason: LeaveReason, why: String) {
        entries.withLockedValue { $0[connection]?.remove }?(by, reason, why)
    }

    /// Puts `connection`, if it is open, out of `room`.
    func putOut(_ connection: Int64, of room: String) {
        entries.withLockedValue { $0[connection]?.removeFromRoom }?(room)
    }

    /// Puts out every connection from `address`.
    func putOut(address: String, by: String, reason: LeaveReason, why: String) {
        let removals = entries.withLockedValue { $0.values.filter { $0.address == address }.map(\.remove) }
        for remove in removals { remove(by, reason, why) }
    }
}

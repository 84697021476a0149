import ChatModel
import NIOConcurrencyHelpers

/// Every open connection's way out of the server, for operators: by connection, or every
/// connection from an address. Each entry hops to its connection's event loop. (A room kick puts
/// its member out of the room as it is delivered: `RoomHub.deliver`.)
final class ConnectionRegistry: Sendable {
    /// Puts a connection out: who did it, why it leaves (kicked or banned), and the words given.
    typealias Removal = @Sendable (_ by: String, _ reason: LeaveReason, _ why: String) -> Void

    private struct Entry {
        var address: String
        var remove: Removal
    }

    private let entries = NIOLockedValueBox([Int64: Entry]())

    func add(_ connection: Int64, address: String, remove: @escaping Removal) {
        entries.withLockedValue { $0[connection] = Entry(address: address, remove: remove) }
    }

    func forget(_ connection: Int64) {
        _ = entries.withLockedValue { $0.removeValue(forKey: connection) }
    }

    /// Puts out `connection`, if it is open.
    func putOut(_ connection: Int64, by: String, reason: LeaveReason, why: String) {
        entries.withLockedValue { $0[connection]?.remove }?(by, reason, why)
    }

    /// Puts out every connection from `address`.
    func putOut(address: String, by: String, reason: LeaveReason, why: String) {
        let removals = entries.withLockedValue { $0.values.filter { $0.address == address }.map(\.remove) }
        for remove in removals { remove(by, reason, why) }
    }
}

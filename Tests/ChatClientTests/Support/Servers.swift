import ChatModel
import ChatStore
import ChatTestSupport

/// Waits until `user`'s last leave is recorded in `database` and returns its reason: the server
/// records a leave just after the connection closes, which may be after the client has exited.
func recordedLeave(of user: String, in database: String) async throws -> LeaveReason? {
    var reason: LeaveReason??
    try await eventually(within: 15, "\(user)'s leave to be recorded") {
        reason = try recordedEvents(database).last { $0.user == user && $0.kind == .leave }.map(\.reason)
        return reason != nil
    }
    return reason ?? nil
}

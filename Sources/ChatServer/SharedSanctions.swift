import ChatCore
import ChatModel
import NIOPosix

/// Kicks, bans and mutes that another node sharing the PostgreSQL database made, applied on this
/// one: every node's moderation events come through the follower. A kick from another node puts
/// out its member of this node. On a ban or mute (imposed or lifted) the sanctions in force are
/// read again from the book (the event is committed after its sanction was stored), and whoever
/// a ban from another node puts out is put out here too. The book is read on the password pool,
/// never on the follower's task.
struct SharedSanctions: Sendable {
    let accounts: Accounts
    let directory: ChatDirectory
    let registry: ConnectionRegistry
    let passwordPool: NIOThreadPool
    /// This node's session: its own bans already put out whom they remove.
    let session: Int64

    private static let kinds: Set<EventKind> = [.ban, .mute, .unban, .unmute]

    /// Reads the sanctions once more, for those another node changed between this node's first
    /// read of the book and the moment it began to take batches (`committed`).
    func start() {
        let accounts = accounts
        passwordPool.submit { state in
            guard case .active = state else { return }
            accounts.reloadSanctions()
        }
    }

    /// Takes a committed batch (any node's).
    func committed(_ events: [Event]) {
        for event in events where event.kind == .kick && event.session != session {
            if let target = event.target, let connection = directory.connection(of: target) {
                registry.putOut(connection, by: event.user, reason: .kicked, why: event.text)
            }
        }
        let moderation = events.filter { Self.kinds.contains($0.kind) }
        guard !moderation.isEmpty else { return }
        let (accounts, directory, registry, session) = (accounts, directory, registry, session)
        passwordPool.submit { state in
            guard case .active = state else { return }
            accounts.reloadSanctions()
            for event in moderation where event.kind == .ban && event.session != session {
                guard let target = event.target else { continue }
                if ModerationTarget.isAddress(target) {
                    guard accounts.ban(address: target) != nil else { continue }
                    registry.putOut(address: target, by: event.user, reason: .banned, why: event.text)
                } else if accounts.ban(name: target, address: nil) != nil,
                    let connection = directory.connection(of: target)
                {
                    registry.putOut(connection, by: event.user, reason: .banned, why: event.text)
                }
            }
        }
    }
}

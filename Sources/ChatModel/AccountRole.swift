/// What a registered name may do beyond chatting.
public enum AccountRole: String, Sendable, Codable, CaseIterable, Hashable {
    /// Chats like anyone, under a name nobody else can take.
    case member
    /// May also kick, ban and mute (`/kick`, `/ban`, `/mute`).
    case `operator`
}

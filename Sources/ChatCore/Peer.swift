/// Where a connection comes from, as far as the rules care: its address (for bans and the
/// back-off of failed logins) and whether a password may travel on it.
public struct Peer: Sendable, Equatable {
    /// The address without its port (`127.0.0.1`, `::1`); empty when not known.
    public var address: String
    /// 127.0.0.0/8 or ::1.
    public var isLoopback: Bool
    /// The connection is TLS.
    public var encrypted: Bool

    public init(address: String, isLoopback: Bool, encrypted: Bool) {
        self.address = address
        self.isLoopback = isLoopback
        self.encrypted = encrypted
    }

    /// Nothing known (tests that drive a state machine without a socket).
    public static let unknown = Peer(address: "", isLoopback: true, encrypted: false)

    /// Nobody on the network can read a password sent on it.
    public var keepsSecrets: Bool { encrypted || isLoopback }
}

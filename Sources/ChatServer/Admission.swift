import NIOCore

/// Who may connect, counted: every connection by its peer's address, and those not yet named
/// (newcomers). No I/O: `Connections` keeps one under its lock.
///
/// A connection is refused when the server has `maxClients`; when its address already has
/// `maxPerAddress` (loopback exempt unless `limitsLoopback`); or when `maxUnjoined` newcomers are
/// already waiting to give a name. The last keeps `maxClients - maxUnjoined` places for people who
/// have joined: a flood of sockets that never name themselves fills at most the newcomers' share.
struct Admission {
    /// The limits (see `ServerConfiguration`).
    struct Limits: Sendable, Equatable {
        var maxClients: Int
        var maxPerAddress: Int
        var maxUnjoined: Int
        var limitsLoopback: Bool
    }

    /// Why a connection is refused.
    enum Refusal: Error, Equatable {
        case full
        case tooManyFromAddress
        case tooManyNewcomers
    }

    private struct Entry {
        var address: String?
        var joined = false
    }

    let limits: Limits
    private var entries: [Int64: Entry] = [:]
    private var perAddress: [String: Int] = [:]
    private(set) var unjoined = 0

    init(limits: Limits) {
        self.limits = limits
    }

    var count: Int { entries.count }

    /// Connections from `address` now.
    func connections(from address: String) -> Int { perAddress[address] ?? 0 }

    /// Admits `connection` from `peer`, or says why not.
    mutating func admit(_ connection: Int64, from peer: SocketAddress?) -> Refusal? {
        guard entries.count < limits.maxClients else { return .full }
        let address = Self.key(peer, limitsLoopback: limits.limitsLoopback)
        if let address, perAddress[address, default: 0] >= limits.maxPerAddress { return .tooManyFromAddress }
        guard unjoined < limits.maxUnjoined else { return .tooManyNewcomers }
        entries[connection] = Entry(address: address)
        if let address { perAddress[address, default: 0] += 1 }
        unjoined += 1
        return nil
    }

    /// `connection` gave a name (or a watcher's hello): no longer a newcomer.
    mutating func joined(_ connection: Int64) {
        guard var entry = entries[connection], !entry.joined else { return }
        entry.joined = true
        entries[connection] = entry
        unjoined -= 1
    }

    /// `connection` is over.
    mutating func closed(_ connection: Int64) {
        guard let entry = entries.removeValue(forKey: connection) else { return }
        if !entry.joined { unjoined -= 1 }
        guard let address = entry.address else { return }
        let left = perAddress[address, default: 1] - 1
        perAddress[address] = left > 0 ? left : nil
    }

    /// The address a peer is counted under: nil (not counted) when unknown, or loopback and
    /// loopback is exempt.
    static func key(_ peer: SocketAddress?, limitsLoopback: Bool) -> String? {
        guard let peer, let ip = peer.ipAddress else { return nil }
        if !limitsLoopback && isLoopback(peer) { return nil }
        return ip
    }

    /// 127.0.0.0/8, ::1, and IPv4-mapped loopback (::ffff:127.x.y.z).
    static func isLoopback(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress?.lowercased() else { return address.protocol == .unix }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}

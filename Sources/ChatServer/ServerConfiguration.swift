import ChatCore
import ChatModel
import ChatProtocol
import ChatStore

/// Everything a server run can be told.
public struct ServerConfiguration: Sendable {
    /// The port a server listens on when given none.
    public static let defaultPort = chatroomDefaultPort

    /// The address to listen on: loopback by default; `0.0.0.0` for a LAN.
    public var host = "127.0.0.1"
    /// The TCP port; 0 takes a free one.
    public var port = ServerConfiguration.defaultPort
    /// Where the record is: an SQLite file, created on first start (the default), or PostgreSQL.
    public var database = ServerDatabase.sqlite(path: EventStore.defaultPath)
    /// The SQLite file (`""` on PostgreSQL); setting it chooses that file.
    public var databasePath: String {
        get { database.sqlitePath ?? "" }
        set { database = .sqlite(path: newValue) }
    }
    /// How a commit waits for the disk.
    public var durability = EventStore.Durability.normal
    /// Events a newcomer gets from the record before live traffic; 0 turns it off.
    public var history = 50
    /// Connections beyond this many get a polite refusal.
    public var maxClients = 1000
    /// Connections one address may have at once (`--max-clients-per-address`); more are refused.
    /// Loopback addresses are exempt unless `limitsLoopback`: on the default host (127.0.0.1)
    /// every client is local, and behind a local proxy or SSH tunnel every client comes from
    /// loopback, so the address tells nobody apart there.
    public var maxClientsPerAddress = 20
    /// Apply `maxClientsPerAddress` to loopback peers too (`--limit-loopback`).
    public var limitsLoopback = false
    /// Connections that have not yet given a name, at once (`--max-unjoined`); nil: a quarter of
    /// `maxClients` (at least 16, at most `maxClients`). The rest of `maxClients` is kept for people
    /// who have joined.
    public var maxUnjoined: Int?
    /// `maxUnjoined` as applied.
    public var effectiveMaxUnjoined: Int {
        min(maxClients, maxUnjoined ?? max(maxClients / 4, 16))
    }
    /// TCP keepalive on every connection: a peer whose machine vanished is dropped as
    /// `connection lost` after `keepaliveIdleSeconds` without traffic and `keepaliveProbes`
    /// unanswered probes `keepaliveIntervalSeconds` apart (60 + 6 × 10 s: about two minutes).
    public var keepaliveIdleSeconds = 60
    public var keepaliveIntervalSeconds = 10
    public var keepaliveProbes = 6
    /// The longest message text a client may send, in UTF-8 bytes as stored, whatever its door;
    /// longer messages are refused, never broadcast. Lines may exceed it by a door's framing, up to
    /// `maxFrameBytes`.
    public var maxMessageBytes = MessageLimit.defaultBytes
    /// The longest line read from a client: enough for any message within `maxMessageBytes` from
    /// any door; it bounds what one connection buffers.
    public var maxFrameBytes: Int { MessageLimit.frameBytes(forMessageBytes: maxMessageBytes) }
    /// Bytes that may wait to be sent to one client (events, history, replies alike). Over it, the
    /// server stops reading from that client and holds its events back (shared, not copied); a
    /// client that stays over it for `stallSeconds` without draining is disconnected as too slow,
    /// so one stalled reader never costs the others or the server's memory.
    public var maxQueueBytes = 1 << 20
    /// How long a client may stay over `maxQueueBytes` without draining before it is too slow.
    public var stallSeconds = defaultStallSeconds
    /// `stallSeconds` unless told otherwise (`chat-server --stall-timeout`).
    public static let defaultStallSeconds = 5.0
    /// How long after connecting a newcomer may take to give a name, in seconds: then one that
    /// sent nothing gets the default name, and one that sent only lines that named nobody
    /// (reserved names, junk) is closed.
    public var nameTimeoutSeconds = 30.0
    /// Messages per second one client may send, sustained (0 = no limit). Beyond it, like IRC's
    /// fake lag, the server reads that client's lines more slowly; nothing is dropped.
    public var messagesPerSecond = 50.0
    /// Messages one client may send in a burst before the rate applies.
    public var messageBurst = 1000
    /// Most events a reconnecting client is sent to catch up; older ones are reported as a gap.
    public var maxResume = 10_000
    /// For disk-full drills: the largest the database may grow, in pages (`PRAGMA max_page_count`);
    /// nil for no limit but the disk's.
    public var maxPageCount: Int?
    /// How long events are kept (`--retain`, `--retain-room`); by default forever.
    public var retention = RetentionPolicy()
    /// Seconds between two purges (one runs at start-up).
    public var retentionIntervalSeconds = 60.0
    /// The purger's clock, ms since the epoch (tests move it).
    public var retentionClock: @Sendable () -> Int64 = currentTimeMillis
    /// Keeps the search index up to date after each commit; off only for drills and benchmarks
    /// (the next start with it on catches up).
    public var searchIndexing = true
    /// How long the shutdown notice may take to reach a client before its connection is closed.
    public var shutdownGraceSeconds = 1.0
    /// The room every newcomer starts in.
    public var defaultRoom = Room.defaultName
    /// Rooms the server may have, those of the record included; no new one past it.
    public var maxRooms = 1000
    /// Rooms one member may be in at once.
    public var maxRoomsPerMember = 20
    /// Stop (cleanly, the session closed) once the last member has left.
    public var exitWhenEmpty = false
    /// A structured-protocol member from whom nothing came for half this many seconds is pinged;
    /// for all of it, closed as lost (0: never). Plain members are left to TCP keepalive.
    public var idleTimeoutSeconds = 300.0
    /// Who may register a name in chat (`/register`).
    public var registration = Registration.closed
    /// Only registered names may join.
    public var requireAccount = false
    /// Take passwords over connections that are neither TLS nor loopback (they travel in clear).
    public var allowPlaintextPasswords = false
    /// How new passwords are hashed (tests use a low cost).
    public var passwordHasher = PasswordHasher.standard
    /// Threads that hash and check passwords: at most this many at once (scrypt takes 32 MiB each).
    public var passwordThreads = 2
    /// A second port for the same doors inside TLS; nil: plain only.
    public var tls: TLSSettings?
    /// The web window's port: the page, and its WebSocket at `/chat` (HTTPS and `wss://` when
    /// `tls` is set); 0 takes a free one, nil serves none (`chat-server` serves one by default).
    public var httpPort: Int?
    /// The IRC door's port (6667 is IRC's); 0 takes a free one, nil serves none.
    public var ircPort: Int?
    /// The server's name in IRC numerics (`chatroom`; a host name such as `chat.example.org`).
    public var ircServerName = IRCLines.defaultServerName
    /// The IRC door inside TLS, with `tls`'s certificate (6697 is IRC's); 0 takes a free one.
    public var ircTLSPort: Int?
    /// The IRC door's server password (`PASS`; `--irc-password-file`): nil, none. With one, a client
    /// that does not give it is refused (`464`) and accounts log in with SASL. Never logged.
    public var ircPassword: String?
    /// The port `chat-server` serves the web window on when given no port at all (the default
    /// chat port + 10).
    public static let defaultHTTPPort = 7080

    /// The web window's port when none is given, for a server on `chatPort`: ten above it (so a
    /// second server on the next port has its own), a free one for port 0, nil when that would
    /// pass 65535.
    public static func defaultHTTPPort(forChatPort chatPort: Int) -> Int? {
        guard chatPort != 0 else { return 0 }
        return chatPort + 10 <= 65535 ? chatPort + 10 : nil
    }
    /// Pages of other origins (`scheme://host:port`) whose WebSocket may chat; the server's own
    /// page always may.
    public var allowedOrigins: [String] = []
    /// How long a web connection may take to send a whole request.
    public var httpRequestTimeoutSeconds = 10.0
    /// The metrics port: Prometheus text at `/metrics` and `/health` (docs/METRICS.md); 0 takes
    /// a free one, nil serves none.
    public var metricsPort: Int?
    /// The address the metrics port listens on: loopback unless told otherwise.
    public var metricsHost = "127.0.0.1"

    /// On PostgreSQL, how often this node tells the others it is alive (and reaps dead ones).
    public var presenceHeartbeatSeconds = 2.0
    /// On PostgreSQL, how long a node may go without a heartbeat before another reaps it: its
    /// members' leaves are recorded at most this plus one heartbeat after its last one
    /// (docs/SCALING.md, "Membership across nodes").
    public var presenceDeadAfterSeconds = 10.0

    /// The limits `Admission` applies.
    var admissionLimits: Admission.Limits {
        Admission.Limits(
            maxClients: maxClients, maxPerAddress: maxClientsPerAddress, maxUnjoined: effectiveMaxUnjoined,
            limitsLoopback: limitsLoopback)
    }

    /// The room's rules, for the core.
    var core: CoreConfiguration {
        var core = CoreConfiguration()
        core.history = history
        core.maxResume = maxResume
        core.requestsPerSecond = messagesPerSecond
        core.requestBurst = messageBurst
        core.maxMessageBytes = maxMessageBytes
        core.defaultRoom = defaultRoom
        core.maxRooms = maxRooms
        core.maxRoomsPerMember = maxRoomsPerMember
        core.idleSeconds = idleTimeoutSeconds
        if case .postgres = database { core.namesShared = true }
        return core
    }

    public init(
        host: String = "127.0.0.1", port: Int = ServerConfiguration.defaultPort,
        databasePath: String = EventStore.defaultPath
    ) {
        self.init(host: host, port: port, database: .sqlite(path: databasePath))
    }

    public init(host: String = "127.0.0.1", port: Int = ServerConfiguration.defaultPort, database: ServerDatabase) {
        self.host = host
        self.port = port
        self.database = database
    }
}

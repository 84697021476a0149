import ChatModel
import ChatStore
import Metrics

/// The door a connection is counted under (a metrics label: a small fixed set).
enum DoorLabel: String, CaseIterable, Sendable {
    case plain, json, websocket, irc
}

/// Why a login was refused, as counted.
enum LoginFailureLabel: String, CaseIterable, Sendable {
    /// A wrong password.
    case wrongPassword = "wrong_password"
    /// Refused unchecked: the address or account is backing off after wrong passwords.
    case throttled
}

/// One server's instruments, made with the swift-metrics factory it is given (of its own
/// Prometheus registry: `prometheus(searchIndex:)`), never the process-wide `MetricsSystem`: two
/// servers in one process keep their own figures.
/// What the hot path touches is counted per batch; the gauges of `MetricsScrape` are read when
/// `/metrics` is asked for. docs/METRICS.md lists every metric.
final class ServerMetrics: Sendable {
    /// The text `/metrics` answers, as the registry has it now.
    let render: @Sendable () -> String

    private let connections: [DoorLabel: Meter]
    private let connectionsTotal: [DoorLabel: Counter]
    private let disconnects: [LeaveReason: Counter]
    private let committedEvents: [EventKind: Counter]
    private let commitBatchSize: Recorder
    private let commitDuration: Timer
    private let deliveryLatency: Timer
    private let slowConsumerCuts: Counter
    private let rateLimitDelays: Counter
    private let resumeGaps: Counter
    private let loginFailures: [LoginFailureLabel: Counter]
    private let checkpointDuration: [Bool: Timer]
    let databaseBytes: Gauge
    let walBytes: Gauge
    let rooms: Gauge
    let members: Gauge
    let outboundQueueBytes: Gauge
    /// Only when the server has a search index to lag.
    let searchIndexLag: Gauge?

    /// Short durations (a commit, a checkpoint, a delivery): 50 µs to 5 s.
    static let durationBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    /// Events per batch: 1 to the writer's largest (1024).
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

    init(factory: any MetricsFactory, searchIndex: Bool = false, render: @escaping @Sendable () -> String) {
        self.render = render
        func each<Key: Hashable, Value>(_ keys: some Sequence<Key>, _ make: (Key) -> Value) -> [Key: Value] {
            Dictionary(uniqueKeysWithValues: keys.map { ($0, make($0)) })
        }
        connections = each(DoorLabel.allCases) {
            Meter(label: "chatroom_connections", dimensions: [("door", $0.rawValue)], factory: factory)
        }
        connectionsTotal = each(DoorLabel.allCases) {
            Counter(label: "chatroom_connections_total", dimensions: [("door", $0.rawValue)], factory: factory)
        }
        disconnects = each(LeaveReason.allCases.filter { $0 != .part }) {
            Counter(label: "chatroom_disconnects_total", dimensions: [("reason", $0.rawValue)], factory: factory)
        }
        committedEvents = each(EventKind.allCases) {
            Counter(label: "chatroom_events_committed_total", dimensions: [("kind", $0.rawValue)], factory: factory)
        }
        commitBatchSize = Recorder(label: "chatroom_commit_batch_size_events", aggregate: true, factory: factory)
        commitDuration = Timer(label: "chatroom_commit_duration_seconds", factory: factory)
        deliveryLatency = Timer(label: "chatroom_delivery_latency_seconds", factory: factory)
        slowConsumerCuts = Counter(label: "chatroom_slow_consumer_cuts_total", factory: factory)
        rateLimitDelays = Counter(label: "chatroom_rate_limit_delays_total", factory: factory)
        resumeGaps = Counter(label: "chatroom_resume_gaps_total", factory: factory)
        loginFailures = each(LoginFailureLabel.allCases) {
            Counter(label: "chatroom_login_failures_total", dimensions: [("reason", $0.rawValue)], factory: factory)
        }
        checkpointDuration = each([false, true]) {
            Timer(
                label: "chatroom_checkpoint_duration_seconds", dimensions: [("mode", $0 ? "truncate" : "passive")],
                factory: factory)
        }
        databaseBytes = Gauge(label: "chatroom_database_bytes", factory: factory)
        walBytes = Gauge(label: "chatroom_wal_bytes", factory: factory)
        rooms = Gauge(label: "chatroom_rooms", factory: factory)
        members = Gauge(label: "chatroom_members", factory: factory)
        outboundQueueBytes = Gauge(label: "chatroom_outbound_queue_bytes", factory: factory)
        searchIndexLag = searchIndex ? Gauge(label: "chatroom_search_index_lag_events", factory: factory) : nil
    }

    // MARK: Connections

    /// A connection is served by `door` from now on (`from`: the door it was counted under).
    func connection(movedFrom old: DoorLabel?, to door: DoorLabel) {
        guard old != door else { return }
        if let old { connections[old]?.decrement() } else { connectionsTotal[door]?.increment() }
        connections[door]?.increment()
    }

    /// A connection counted under `door` is over, for `reason`.
    func closed(door: DoorLabel?, reason: LeaveReason) {
        if let door { connections[door]?.decrement() }
        disconnects[reason]?.increment()
        if reason == .tooSlow { slowConsumerCuts.increment() }
    }

    func rateLimited() { rateLimitDelays.increment() }

    func resumeGap() { resumeGaps.increment() }

    func loginFailed(_ why: LoginFailureLabel) { loginFailures[why]?.increment() }

    // MARK: The store

    /// A batch was committed: its events by kind (one increment per kind), its size and time.
    func committed(_ events: [Event], _ stats: CommitStats) {
        var kinds: [EventKind: Int] = [:]
        for event in events { kinds[event.kind, default: 0] += 1 }
        for (kind, count) in kinds { committedEvents[kind]?.increment(by: count) }
        commitBatchSize.record(stats.events)
        commitDuration.recordSeconds(stats.seconds)
    }

    /// A batch submitted from `nanos` (monotonic) reached its first member now.
    func delivered(submittedAt nanos: UInt64) {
        let now = StoreObserver.now()
        deliveryLatency.recordNanoseconds(Int64(now > nanos ? now - nanos : 0))
    }

    func checkpointed(seconds: Double, truncate: Bool) {
        checkpointDuration[truncate]?.recordSeconds(seconds)
    }
}

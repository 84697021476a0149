import ChatStore
import ChatStorePostgres
import Foundation
import Logging
import PostgresNIO
import Testing

/// A throwaway PostgreSQL cluster for one suite: `initdb` in a temporary directory (as the
/// `postgres` user when the tests run as root: initdb refuses root), started with `pg_ctl` on a
/// free port of 127.0.0.1 with `fsync=off`, stopped and removed when the suite ends, failed or not
/// (`ClusterTrait`). Each test takes a fresh database of its own (`makeDatabase`).
final class PostgresCluster: Sendable {
    /// The directory of `initdb` and `pg_ctl`: Debian's `/usr/lib/postgresql/NN/bin`, else `PATH`.
    static let binaries: String? = {
        let debian = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: debian)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = "\(debian)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: "\(bin)/initdb") { return bin }
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            if FileManager.default.isExecutableFile(atPath: "\(directory)/initdb"),
                FileManager.default.isExecutableFile(atPath: "\(directory)/pg_ctl")
            {
                return String(directory)
            }
        }
        return nil
    }()

    /// Whether the PostgreSQL tests can run here (its server binaries are installed).
    static var isInstalled: Bool { binaries != nil }

    /// The cluster of the running suite (set by `ClusterTrait`).
    @TaskLocal static var current: PostgresCluster?

    let directory: URL
    let port: Int
    let bin: String
    /// The user the server runs as when the tests run as root; nil otherwise.
    let runAs: String?
    private let databases = Locked(0)

    var dataDirectory: String { directory.appendingPathComponent("data").path }
    var admin: PostgresAddress {
        PostgresAddress(host: "127.0.0.1", port: port, user: "postgres", database: "postgres")
    }

    /// Makes and starts a cluster (a copy of `template`); throws with `initdb`'s or `pg_ctl`'s
    /// output when it fails.
    static func start() throws -> PostgresCluster {
        guard let bin = binaries else { throw ClusterError("PostgreSQL binaries are not installed") }
        let template = try Self.template.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "chat-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runAs = getuid() == 0 ? "postgres" : nil
        var lastError: (any Error)?
        do {
            try run("/bin/cp", ["-a", template + "/data", directory.path + "/data"])
            if let runAs { try run("/bin/chown", [runAs, directory.path]) }
            for _ in 0..<5 {
                let cluster = PostgresCluster(
                    directory: directory, port: Int.random(in: 20_000...60_000), bin: bin, runAs: runAs)
                do {
                    try cluster.startServer()
                    return cluster
                } catch {
                    lastError = error  // most likely the port was taken: another one
                }
            }
        } catch {
            lastError = error
        }
        try? FileManager.default.removeItem(at: directory)
        throw lastError ?? ClusterError("the cluster did not start")
    }

    /// A data directory made by `initdb` once per test process, which each cluster copies (a copy
    /// takes a tenth of an `initdb`); removed when the process exits. Its locale is C.UTF-8
    /// whatever the environment's: `lower` (search) folds all of Unicode.
    private static let template: Result<String, any Error> = Result {
        guard let bin = binaries else { throw ClusterError("PostgreSQL binaries are not installed") }
        let directory = templateDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: PostgresCluster.templateDirectory) }
        let runAs = getuid() == 0 ? "postgres" : nil
        if let runAs { try run("/bin/chown", ["-R", runAs, directory]) }
        try pg(
            "initdb",
            ["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale", "C.UTF-8", "-D", directory + "/data"],
            bin: bin, runAs: runAs)
        return directory
    }

    private static let templateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "chat-pg-template-\(getpid())"
    ).path

    private init(directory: URL, port: Int, bin: String, runAs: String?) {
        self.directory = directory
        self.port = port
        self.bin = bin
        self.runAs = runAs
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    func startServer() throws {
        let options = "-k \(directory.path) -p \(port) -c listen_addresses=127.0.0.1 -c fsync=off"
        try pg(
            "pg_ctl",
            [
                "-D", dataDirectory, "-l", directory.appendingPathComponent("server.log").path, "-o", options, "-w",
                "-t", "30", "start",
            ])
    }

    /// `pg_ctl stop -m fast`: connections are closed at once.
    func stopServer() throws {
        try pg("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"])
    }

    /// Stops the server and removes the cluster.
    func destroy() {
        try? stopServer()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A new empty database on the cluster, for one test.
    func makeDatabase() async throws -> PostgresAddress {
        let number = databases.withLock { count in
            count += 1
            return count
        }
        let name = "chat_test_\(number)"
        try await execute("CREATE DATABASE \(name)")
        return admin.with(database: name)
    }

    /// Runs one statement as the superuser on `database`.
    func execute(_ sql: String, in database: String = "postgres") async throws {
        let connection = try await connect(database)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test.cluster"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// Ends the backends of `database` whose `application_name` is `chatroom ROLE`, and says how many.
    func terminate(role: String, in database: String) async throws -> Int {
        let connection = try await connect("postgres")
        do {
            let rows = try await connection.query(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = \(database) AND application_name = \("chatroom \(role)")",
                logger: Logger(label: "test.cluster")
            ).collect()
            try await connection.close()
            return Int(try rows.first?.decode(Int64.self) ?? 0)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func connect(_ database: String) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            configuration: .init(
                host: "127.0.0.1", port: port, username: "postgres", password: nil, database: database, tls: .disable),
            id: 0, logger: Logger(label: "test.cluster"))
    }

    private func pg(_ tool: String, _ arguments: [String]) throws {
        try Self.pg(tool, arguments, bin: bin, runAs: runAs)
    }

    /// Runs one of PostgreSQL's tools, as `runAs` when given.
    private static func pg(_ tool: String, _ arguments: [String], bin: String, runAs: String?) throws {
        if let runAs {
            try run("/usr/sbin/runuser", ["-u", runAs, "--", "\(bin)/\(tool)"] + arguments)
        } else {
            try run("\(bin)/\(tool)", arguments)
        }
    }

    /// Runs a tool to its end (`posix_spawn`, `waitpid`). Its output goes to a file, not a pipe:
    /// the server `pg_ctl start` leaves running would hold a pipe open.
    private static func run(_ path: String, _ arguments: [String]) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("chat-pg-tool-\(UUID()).log").path
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ClusterError("cannot start \(path): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw ClusterError("\(path) \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
    }
}

struct ClusterError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Starts one cluster for the suite it marks, and stops it after the suite, failed or not.
struct ClusterTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let cluster = try PostgresCluster.start()
        defer { cluster.destroy() }
        try await PostgresCluster.$current.withValue(cluster) { try await function() }
    }
}

extension Trait where Self == ClusterTrait {
    /// A throwaway PostgreSQL cluster for the suite (`PostgresCluster.current`).
    static var postgresCluster: Self { ClusterTrait() }
}

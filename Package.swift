// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "chatroom",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chat-server", targets: ["chat-server"]),
        .executable(name: "chat-client", targets: ["chat-client"]),
        .executable(name: "chat-replay", targets: ["chat-replay"]),
        .executable(name: "chat-bench", targets: ["chat-bench"]),
        .library(name: "ChatModel", targets: ["ChatModel"]),
        .library(name: "ChatStore", targets: ["ChatStore"]),
        .library(name: "ChatProtocol", targets: ["ChatProtocol"]),
        .library(name: "ChatCore", targets: ["ChatCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Layers, arrows only downward (docs/ARCHITECTURE.md; scripts/check-architecture enforces it):
        // executables → doors / client / replay → core → protocol and store → model → CSQLite.

        // SQLite, reached only through this system library target.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The model: events, rooms, names, times, and the rules for names and text. Depends on nothing.
        .target(name: "ChatModel"),
        // Storage: the only code that knows SQL. Events, sessions, migrations, the group-commit
        // writer and read queries. No sockets, no wire formats.
        .target(name: "ChatStore", dependencies: ["ChatModel", "CSQLite"]),
        // The same record in PostgreSQL, for several nodes on one database (docs/SCALING.md):
        // schema, the ordered writer, readers, the tail follower. Knows SQL, not SQLite, not sockets
        // beyond postgres-nio's.
        .target(
            name: "ChatStorePostgres",
            dependencies: [
                "ChatModel", "ChatStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Wire protocol: line framing, JSON messages, plain-text words, and a client connection.
        // No SQLite.
        .target(
            name: "ChatProtocol",
            dependencies: [
                "ChatModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // The chat core: membership, names, the rate limit, the order of events, catch-up and each
        // connection's life as a state machine. Typed requests in, replies and actions out; no
        // sockets, no wire formats, no NIO.
        // Passwords are hashed here (scrypt from swift-crypto's CryptoExtras), off the event loops.
        .target(
            name: "ChatCore",
            dependencies: [
                "ChatModel", "ChatStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The doors (plain text, JSON lines, the web window's WebSocket) and the NIO server that
        // runs them over the core, on either store.
        .target(
            name: "ChatServer",
            dependencies: [
                "ChatCore", "ChatModel", "ChatStore", "ChatStorePostgres", "ChatProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "ChatClient",
            dependencies: [
                "ChatModel", "ChatProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ChatReplay",
            dependencies: [
                "ChatModel", "ChatStore", "ChatStorePostgres", "ChatProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "chat-server",
            dependencies: [
                "ChatServer", "ChatCore", "ChatStore", "ChatProtocol", "ChatModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The client, and `--serve`: a server hosted in the client's process.
        .executableTarget(
            name: "chat-client",
            dependencies: [
                "ChatClient", "ChatServer", "ChatStore", "ChatProtocol", "ChatModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "chat-replay",
            dependencies: [
                "ChatReplay", "ChatStore", "ChatStorePostgres", "ChatProtocol", "ChatModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "chat-bench",
            dependencies: [
                "ChatModel", "ChatStore", "ChatStorePostgres", "ChatProtocol", "ChatCore", "ChatServer",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by the test targets: temporary directories, waits, in-process and
        // spawned servers, a raw line client, a raw WebSocket client.
        .target(
            name: "ChatTestSupport",
            dependencies: [
                "ChatServer", "ChatCore", "ChatStore", "ChatProtocol", "ChatModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                // SHA-1 for the WebSocket test client's check of `Sec-WebSocket-Accept`.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/ChatTestSupport"
        ),
        .testTarget(name: "ChatModelTests", dependencies: ["ChatModel"]),
        .testTarget(name: "ChatStoreTests", dependencies: ["ChatStore", "ChatModel", "CSQLite"]),
        // Against a throwaway PostgreSQL cluster the suite starts itself; skipped without its binaries.
        // With chat-server nodes on it too (in this process and as processes).
        .testTarget(
            name: "ChatStorePostgresTests",
            dependencies: [
                "ChatStorePostgres", "ChatStore", "ChatModel", "ChatReplay", "ChatServer", "ChatProtocol", "ChatTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "ChatCoreTests", dependencies: ["ChatCore", "ChatStore", "ChatModel", "ChatTestSupport"]),
        .testTarget(
            name: "ChatProtocolTests",
            dependencies: [
                "ChatProtocol", "ChatModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ChatServerTests",
            dependencies: [
                "ChatServer", "ChatCore", "ChatStore", "ChatProtocol", "ChatModel", "ChatClient", "ChatTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Faults, floods and hostile input (RELIABILITY.md); RELIABILITY_FULL=1 runs the full sizes.
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "ChatServer", "ChatStore", "ChatProtocol", "ChatModel", "ChatTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ChatClientTests",
            dependencies: [
                "ChatClient", "ChatServer", "ChatStore", "ChatProtocol", "ChatModel", "ChatTestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .testTarget(
            name: "ChatReplayTests",
            dependencies: [
                "ChatReplay", "ChatServer", "ChatStore", "ChatProtocol", "ChatModel", "ChatTestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            resources: [.copy("Golden")]),
    ],
    swiftLanguageModes: [.v6]
)

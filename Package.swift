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
        .library(name: "ChatStore", targets: ["ChatStore"]),
        .library(name: "ChatProtocol", targets: ["ChatProtocol"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // SQLite, reached only through this system library target.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Storage: events, sessions, migrations, the group-commit writer and read queries. No sockets.
        .target(name: "ChatStore", dependencies: ["CSQLite"]),
        // Wire protocol: line framing, JSON messages, text sanitising. No I/O.
        .target(
            name: "ChatProtocol",
            dependencies: [
                "ChatStore",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ChatServer",
            dependencies: [
                "ChatStore", "ChatProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "ChatClient",
            dependencies: [
                "ChatProtocol", "ChatServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "ChatReplay",
            dependencies: [
                "ChatStore", "ChatProtocol", "ChatClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "chat-server", dependencies: ["ChatServer"]),
        .executableTarget(name: "chat-client", dependencies: ["ChatClient"]),
        .executableTarget(name: "chat-replay", dependencies: ["ChatReplay"]),
        .executableTarget(
            name: "chat-bench",
            dependencies: [
                "ChatStore", "ChatProtocol", "ChatServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by the test targets: temporary directories, waits, in-process and
        // spawned servers, a raw line client.
        .target(
            name: "ChatTestSupport",
            dependencies: [
                "ChatServer", "ChatStore", "ChatProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ChatTestSupport"
        ),
        .testTarget(name: "ChatStoreTests", dependencies: ["ChatStore", "CSQLite"]),
        .testTarget(
            name: "ChatProtocolTests",
            dependencies: ["ChatProtocol", "ChatStore", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(
            name: "ChatServerTests",
            dependencies: [
                "ChatServer", "ChatStore", "ChatProtocol", "ChatClient", "ChatTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Faults, floods and hostile input (RELIABILITY.md); RELIABILITY_FULL=1 runs the full sizes.
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "ChatServer", "ChatStore", "ChatProtocol", "ChatTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ChatClientTests", dependencies: ["ChatClient", "ChatServer", "ChatStore", "ChatTestSupport"]),
        .testTarget(
            name: "ChatReplayTests", dependencies: ["ChatReplay", "ChatServer", "ChatStore", "ChatTestSupport"],
            resources: [.copy("Golden")]),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version: 6.0
// The libFuzzer target for the protocol decoder. Separate from the main package because it only
// links with -sanitize=fuzzer (libFuzzer brings main). Build and run: scripts/reliability/fuzz
import PackageDescription

let package = Package(
    name: "chatroom-fuzz",
    dependencies: [
        .package(name: "chatroom", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "chat-fuzz",
            dependencies: [
                .product(name: "ChatModel", package: "chatroom"),
                .product(name: "ChatProtocol", package: "chatroom"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)

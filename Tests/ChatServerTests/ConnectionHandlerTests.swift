import ChatCore
import ChatModel
import ChatProtocol
import ChatStore
import ChatTestSupport
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import ChatServer

/// One `ConnectionHandler` on a testing channel, with a real core on a temporary database.
final class HandlerHarness: Sendable {
    let directory = TemporaryDirectory()
    let configuration: ServerConfiguration
    let store: EventStore
    let writer: EventWriter
    let services: ConnectionServices
    let loop = NIOAsyncTestingEventLoop()
    let channel: NIOAsyncTestingChannel
    private let endings = NIOLockedValueBox<[LeaveReason]>([])
    private let inbox = NIOLockedValueBox<[String]>([])

    init(_ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        var configuration = ServerConfiguration.testing(database: directory.file("chat.sqlite"))
        configure(&configuration)
        self.configuration = configuration
        store = try EventStore(path: configuration.databasePath)
        let hub = RoomHub()
        let directory = ChatDirectory()
        writer = try store.startSession(host: "test", port: 0, version: "test") { events in
            directory.committed(events)
            hub.deliver(events)
        }
        let core = ChatCore(store: store, writer: writer, directory: directory, configuration: configuration.core)
        let endings = endings
        services = ConnectionServices(
            core: core, hub: hub,
            doors: DoorSet([JSONDoor(maxMessageBytes: 4096), PlainDoor(maxMessageBytes: 4096)]),
            configuration: configuration, logger: Logger(label: "test"), passwordPool: .singleton,
            registry: ConnectionRegistry(), memberLeft: {},
            closed: { _, _, reason in endings.withLockedValue { $0.append(reason) } })
        channel = NIOAsyncTestingChannel(loop: loop)
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
        let (services, channel) = (services, channel)
        try await loop.submit {
            try channel.pipeline.syncOperations.addHandler(ConnectionHandler(services: services, connection: 1))
        }.get()
    }

    /// Sends a line as the decoder would hand it on.
    func send(_ line: String) async throws {
        try await channel.writeInbound(InboundLine.line(ByteBuffer(string: line)))
        try await loop.submit { [channel] in channel.pipeline.fireChannelReadComplete() }.get()
    }

    /// Waits for a line the handler wrote that satisfies `wanted`; returns the lines up to it.
    @discardableResult
    func expect(_ wanted: @escaping (String) -> Bool) async throws -> [String] {
        var seen: [String] = []
        while true {
            let buffered = inbox.withLockedValue { lines in
                defer { lines = [] }
                return lines
            }
            for (index, line) in buffered.enumerated() {
                seen.append(line)
                if wanted(line) {
                    let rest = Array(buffered[(index + 1)...])
                    inbox.withLockedValue { $0.insert(contentsOf: rest, at: 0) }
                    return seen
                }
            }
            let buffer = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
            let lines = String(buffer: buffer).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            inbox.withLockedValue { $0.append(contentsOf: lines.map(String.init)) }
        }
    }

    /// How the connection ended, once it has.
    var ending: LeaveReason? { endings.withLockedValue { $0.first } }

    func recorded() throws -> [Event] { try store.read { try $0.events(EventFilter()) } }

    func waitForEnding() async throws -> LeaveReason {
        try await eventually(within: 5, "the connection to end") {
            await loop.run()
            return ending != nil
        }
        return ending!
    }

    func close() async {
        _ = try? await channel.finish(acceptAlreadyClosed: true)
        try? store.close()
        directory.remove()
    }
}

@Suite("ConnectionHandler on a testing channel: it only executes the state machine", .timeLimit(.minutes(1)))
struct ConnectionHandlerTests {
    @Test("greeting, name, history catch-up, live, then a quit: goodbye and closed")
    func greetingToQuit() async throws {
        let harness = try await HandlerHarness()
        _ = try await harness.writer.append(NewEvent(kind: .message, user: "bob", text: "earlier"))
        try await harness.expect { $0 == PlainTexts.greeting }
        try await harness.send("alice")
        let catchUp = try await harness.expect { $0 == "--- end of history ---" }
        #expect(catchUp.first?.hasPrefix("Hello alice!") == true)
        #expect(catchUp.contains { $0.hasSuffix("] bob: earlier") })
        try await harness.expect { $0 == "alice joined the chat" }
        try await harness.send("hi")
        try await harness.expect { $0 == "alice: hi" }
        try await harness.send("/who")
        try await harness.expect { $0 == "In the room (1): alice" }
        try await harness.send("{quit}")
        try await harness.expect { $0 == "alice left the chat" }
        try await harness.expect { $0 == "Goodbye!" }
        await harness.loop.advanceTime(by: .seconds(harness.configuration.shutdownGraceSeconds))
        #expect(try await harness.waitForEnding() == .quit)
        #expect(try harness.recorded().map(\.kind) == [.message, .join, .message, .leave])
        await harness.close()
    }

    @Test("name timeout: a silent newcomer gets the default name")
    func nameTimeout() async throws {
        let harness = try await HandlerHarness()
        try await harness.expect { $0 == PlainTexts.greeting }
        await harness.loop.advanceTime(by: .seconds(harness.configuration.nameTimeoutSeconds))
        try await harness.expect { $0.hasPrefix("Hello USR!") }
        try await harness.expect { $0 == "USR joined the chat" }
        await harness.close()
    }

    @Test("JSON door: hello, welcome, history end, live events as JSON")
    func jsonDoor() async throws {
        let harness = try await HandlerHarness()
        try await harness.send(#"{"type":"hello","protocol":1,"name":"bot"}"#)
        try await harness.expect { $0.contains(#""type":"welcome""#) && $0.contains(#""name":"bot""#) }
        try await harness.expect { $0 == #"{"type":"history_end","room":"main"}"# }
        try await harness.expect { $0.contains(#""kind":"join""#) }
        await harness.close()
    }

    @Test("closed by the peer: the leave is recorded as connection lost")
    func closed() async throws {
        let harness = try await HandlerHarness()
        try await harness.send("alice")
        try await harness.expect { $0 == "alice joined the chat" }
        try await harness.channel.close()
        #expect(try await harness.waitForEnding() == .connectionLost)
        try await eventually(within: 5, "the leave") { try harness.recorded().last?.kind == .leave }
        #expect(try harness.recorded().last?.reason == .connectionLost)
        await harness.close()
    }

    @Test("closed while catching up: the catch-up still ends the connection, with its join and its leave")
    func closedWhileCatchingUp() async throws {
        let harness = try await HandlerHarness()
        try await harness.send("alice")
        try await harness.channel.close()
        #expect(try await harness.waitForEnding() == .connectionLost)
        try await eventually(within: 5, "the join and the leave") { try harness.recorded().count == 2 }
        #expect(try harness.recorded().map(\.kind) == [.join, .leave])
        await harness.close()
    }

    @Test("too slow: over budget and not draining for the stall time, it is closed and recorded so")
    func tooSlow() async throws {
        let harness = try await HandlerHarness()
        try await harness.send("alice")
        try await harness.expect { $0 == "alice joined the chat" }
        harness.channel.isWritable = false
        try await harness.loop.submit { [channel = harness.channel] in channel.pipeline.fireChannelWritabilityChanged()
        }
        .get()
        await harness.loop.advanceTime(by: .seconds(harness.configuration.stallSeconds))
        #expect(try await harness.waitForEnding() == .tooSlow)
        try await eventually(within: 5, "the leave") { try harness.recorded().last?.reason == .tooSlow }
        await harness.close()
    }

    @Test("shutdown: told, closed after the grace time, recorded as server shutdown")
    func shutdown() async throws {
        let harness = try await HandlerHarness()
        try await harness.send("alice")
        try await harness.expect { $0 == "alice joined the chat" }
        try await harness.loop.submit { [channel = harness.channel] in
            channel.pipeline.fireUserInboundEventTriggered(ConnectionHandler.ShutdownBegun(message: nil))
        }.get()
        try await harness.expect { $0 == PlainTexts.shutdown }
        await harness.loop.advanceTime(by: .seconds(harness.configuration.shutdownGraceSeconds))
        #expect(try await harness.waitForEnding() == .serverShutdown)
        try await eventually(within: 5, "the leave") { try harness.recorded().last?.reason == .serverShutdown }
        await harness.close()
    }
}

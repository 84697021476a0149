import ChatProtocol
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import ChatServer

/// `WebSocketLines` on an embedded channel: text messages in as lines, lines out as frames, and
/// the close code for each kind of bad frame. Over real sockets: `WebSocketTests`.
@Suite struct WebSocketLinesTests {
    private func channel(limit: Int = 64) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketLines(maxLineBytes: limit))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7080)).wait()
        return channel
    }

    private func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, masked: Bool = true)
        -> WebSocketFrame
    {
        var data = ByteBuffer(bytes: bytes)
        let key: WebSocketMaskingKey? = masked ? [1, 2, 3, 4] : nil
        if let key { data.webSocketMask(key) }
        return WebSocketFrame(fin: fin, opcode: opcode, maskKey: key, data: data)
    }

    private func frame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true) -> WebSocketFrame {
        frame(opcode, Array(text.utf8), fin: fin)
    }

    /// The close frame the handler sent, and whether it closed the channel after it.
    private func closeCode(_ channel: EmbeddedChannel) throws -> (WebSocketErrorCode?, closed: Bool) {
        while let sent = try channel.readOutbound(as: WebSocketFrame.self) {
            if sent.opcode == .connectionClose {
                var data = sent.data
                return (data.readWebSocketErrorCode(), !channel.isActive)
            }
        }
        return (nil, !channel.isActive)
    }

    @Test func aTextMessageIsOneLineAndFragmentsAreGathered() throws {
        let channel = try channel()
        try channel.writeInbound(frame(.text, #"{"type":"say","text":"hi"}"#))
        #expect(
            try channel.readInbound(as: InboundLine.self) == .line(ByteBuffer(string: #"{"type":"say","text":"hi"}"#)))
        try channel.writeInbound(frame(.text, #"{"type":"#, fin: false))
        try channel.writeInbound(frame(.continuation, #""say","#, fin: false))
        #expect(try channel.readInbound(as: InboundLine.self) == nil)
        try channel.writeInbound(frame(.continuation, #""text":"yo"}"#))
        #expect(
            try channel.readInbound(as: InboundLine.self) == .line(ByteBuffer(string: #"{"type":"say","text":"yo"}"#)))
        #expect(channel.isActive)
    }

    @Test func eachLineOutIsOneTextFrame() throws {
        let channel = try channel()
        try channel.writeOutbound(ByteBuffer(string: "{\"a\":1}\n{\"b\":2}\n"))
        let first = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        let second = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(first.opcode == .text && first.fin && first.maskKey == nil)
        #expect(String(buffer: first.data) == "{\"a\":1}")
        #expect(String(buffer: second.data) == "{\"b\":2}")
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
    }

    @Test func pingsAreAnsweredWithTheirData() throws {
        let channel = try channel()
        try channel.writeInbound(frame(.ping, "are you there"))
        let pong = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(pong.opcode == .pong && String(buffer: pong.data) == "are you there")
        #expect(channel.isActive)
    }

    @Test(arguments: [
        ("binary", WebSocketErrorCode.unacceptableData),
        ("not UTF-8", .dataInconsistentWithMessage),
        ("unmasked", .protocolError),
        ("continuation of nothing", .protocolError),
        ("new message inside a fragmented one", .protocolError),
        ("fragments over the limit", .messageTooLarge),
    ])
    func badFramesCloseWithTheirCode(what: String, code: WebSocketErrorCode) throws {
        let channel = try channel(limit: 64)
        switch what {
        case "binary": try channel.writeInbound(frame(.binary, [1, 2, 3]))
        case "not UTF-8": try channel.writeInbound(frame(.text, [0x7B, 0xFF, 0xFE, 0x7D]))
        case "unmasked": try channel.writeInbound(frame(.text, Array("{}".utf8), masked: false))
        case "continuation of nothing": try channel.writeInbound(frame(.continuation, "{}"))
        case "new message inside a fragmented one":
            try channel.writeInbound(frame(.text, "{", fin: false))
            try channel.writeInbound(frame(.text, "{}"))
        default:
            try channel.writeInbound(frame(.text, String(repeating: "x", count: 40), fin: false))
            try channel.writeInbound(frame(.continuation, String(repeating: "x", count: 40)))
        }
        #expect(try channel.readInbound(as: InboundLine.self) == nil, "\(what): nothing reaches the door")
        let (sent, closed) = try closeCode(channel)
        #expect(sent == code, "\(what)")
        #expect(closed, "\(what)")
    }

    @Test func thePeersCloseIsEchoedAndEndsTheConnection() throws {
        let channel = try channel()
        var data = ByteBuffer()
        data.write(webSocketErrorCode: .goingAway)
        try channel.writeInbound(frame(.connectionClose, Array(data.readableBytesView)))
        let (sent, closed) = try closeCode(channel)
        #expect(sent == .goingAway)
        #expect(closed)
    }

    @Test func theDoorsHalfCloseSendsACloseFrameFirst() throws {
        let channel = try channel()
        try channel.writeOutbound(ByteBuffer(string: "{\"type\":\"shutdown\",\"message\":\"bye\"}\n"))
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.close(mode: .output, promise: promise)
        promise.futureResult.whenFailure { _ in }  // an embedded channel cannot half-close
        let last = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(last.opcode == .text)
        let (sent, _) = try closeCode(channel)
        #expect(sent == .normalClosure)
    }
}

@Suite struct OriginPolicyTests {
    @Test func theServersOwnPageAndNamedOriginsMayChatOthersMayNot() {
        let policy = OriginPolicy(allowed: ["https://chat.example.org/"])
        #expect(policy.allows(origin: nil, host: "127.0.0.1:7080"))
        #expect(policy.allows(origin: "http://127.0.0.1:7080", host: "127.0.0.1:7080"))
        #expect(policy.allows(origin: "HTTPS://Class.Local:7080", host: "class.local:7080"))
        #expect(policy.allows(origin: "https://chat.example.org", host: "127.0.0.1:7080"))
        #expect(!policy.allows(origin: "http://evil.example", host: "127.0.0.1:7080"))
        #expect(!policy.allows(origin: "http://127.0.0.1:7081", host: "127.0.0.1:7080"))
        #expect(!policy.allows(origin: "null", host: "127.0.0.1:7080"))
        #expect(!policy.allows(origin: "http://127.0.0.1:7080", host: nil))
    }
}

@Suite struct WebPortDefaultTests {
    @Test func theWebWindowIsTenAboveTheChatPortFreeWithPortZeroAndNoneAbove65535() {
        #expect(ServerConfiguration.defaultHTTPPort(forChatPort: ServerConfiguration.defaultPort) == 7080)
        #expect(ServerConfiguration.defaultHTTPPort == 7080)
        #expect(ServerConfiguration.defaultHTTPPort(forChatPort: 7071) == 7081)
        #expect(ServerConfiguration.defaultHTTPPort(forChatPort: 0) == 0)
        #expect(ServerConfiguration.defaultHTTPPort(forChatPort: 65525) == 65535)
        #expect(ServerConfiguration.defaultHTTPPort(forChatPort: 65530) == nil)
    }
}

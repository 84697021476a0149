import ChatProtocol
import Crypto
import Foundation
import NIOCore
import NIOPosix

/// What a WebSocket test client reads: whole messages (fragments joined), control frames, the
/// close frame's code.
package enum WebSocketFrame: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
    case ping([UInt8])
    case pong([UInt8])
    /// A close frame: its status code (nil when the frame had no payload) and reason.
    case close(code: UInt16?, reason: String)
}

/// An HTTP response as read off the wire: status, headers (names lowercased), body.
package struct HTTPTestResponse: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    /// The first header called `name` (any case).
    package func header(_ name: String) -> String? {
        headers.first { $0.name == name.lowercased() }?.value
    }

    package var text: String { String(decoding: body, as: UTF8.self) }
}

/// A WebSocket client over a raw TCP socket, as a browser would be but with full control of the
/// bytes: it writes the HTTP upgrade itself and frames (masked, or not, on request) by hand, so
/// that malformed frames can be sent; it reads the response head and then frames. Every wait has
/// a deadline.
package final class WebSocketTestClient: Sendable {
    package let channel: Channel
    private let inbox: Inbox
    /// The upgrade's response (101 when upgraded).
    package let response: HTTPTestResponse

    /// WebSocket opcodes.
    package enum Opcode: UInt8, Sendable {
        case continuation = 0x0
        case text = 0x1
        case binary = 0x2
        case close = 0x8
        case ping = 0x9
        case pong = 0xA
    }

    /// Connects and upgrades `path` to a WebSocket, with `origin` as the `Origin` header (none when
    /// nil) and `host` as the `Host` header (`127.0.0.1:port` when nil); throws unless the server
    /// answers 101 with the right `Sec-WebSocket-Accept`. `receiveBuffer` sets SO_RCVBUF first, for
    /// clients that stop reading.
    package static func connect(
        port: Int, path: String = "/chat", origin: String? = nil, host: String? = nil, receiveBuffer: Int? = nil
    ) async throws -> WebSocketTestClient {
        let client = try await upgrade(port: port, path: path, origin: origin, host: host, receiveBuffer: receiveBuffer)
        guard client.response.status == 101 else {
            await client.close()
            throw WaitFailure(
                description:
                    "upgrade refused: \(client.response.status) \(client.response.headers) \(client.response.text)")
        }
        return client
    }

    /// Connects and asks for the upgrade; returns whatever the server answered (see `response`):
    /// when it is not 101 the connection is not a WebSocket.
    package static func upgrade(
        port: Int, path: String = "/chat", origin: String? = nil, host: String? = nil, receiveBuffer: Int? = nil,
        within seconds: Double = 10
    ) async throws -> WebSocketTestClient {
        let inbox = Inbox()
        let channel = try await open(port: port, receiveBuffer: receiveBuffer, inbox: inbox)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\n"
        request += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\n"
        request += "Sec-WebSocket-Version: 13\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        request += "\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        let response: HTTPTestResponse
        do {
            response = try await channel.eventLoop.flatSubmit {
                inbox.response(upgrading: true, within: seconds, on: channel.eventLoop)
            }.get()
        } catch {
            try? await channel.close()
            throw error
        }
        let client = WebSocketTestClient(channel: channel, inbox: inbox, response: response)
        if response.status == 101 {
            let expected = Data(
                Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
            ).base64EncodedString()
            guard response.header("sec-websocket-accept") == expected,
                response.header("upgrade")?.lowercased() == "websocket"
            else {
                await client.close()
                throw WaitFailure(description: "bad 101 response: \(response.headers)")
            }
        }
        return client
    }

    /// One plain HTTP GET (`Connection: close`) of `path`; returns the response once the body is
    /// complete.
    package static func get(
        port: Int, path: String, headers: [(String, String)] = [], within seconds: Double = 10
    ) async throws -> HTTPTestResponse {
        let inbox = Inbox()
        let channel = try await open(port: port, receiveBuffer: nil, inbox: inbox)
        defer { channel.close(promise: nil) }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return try await channel.eventLoop.flatSubmit {
            inbox.response(upgrading: false, within: seconds, on: channel.eventLoop)
        }.get()
    }

    private static func open(port: Int, receiveBuffer: Int?, inbox: Inbox) async throws -> Channel {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: false)
        if let receiveBuffer {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer))
        }
        return
            try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(inbox)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    private init(channel: Channel, inbox: Inbox, response: HTTPTestResponse) {
        self.channel = channel
        self.inbox = inbox
        self.response = response
    }

    // MARK: Sending

    /// One frame, masked with a random key unless `masked` is false; `rsv` sets the reserved bits
    /// (0x70), which nobody negotiated.
    package func send(
        _ opcode: Opcode, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0
    ) async throws {
        try await send(raw: Self.frame(opcode: opcode.rawValue, payload: payload, fin: fin, masked: masked, rsv: rsv))
    }

    /// A text frame holding `text`.
    package func send(text: String) async throws {
        try await send(.text, Array(text.utf8))
    }

    /// A structured-protocol message, one text frame.
    package func send(_ message: ClientMessage) async throws {
        try await send(text: message.json)
    }

    /// Bytes as they are, for frames no encoder would make.
    package func send(raw bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Bytes as they are, queued without waiting for them to be written: for floods the server
    /// may stop reading.
    package func queue(raw bytes: [UInt8]) {
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    /// A frame's bytes: `opcode` is a raw value, so that reserved opcodes can be sent too.
    package static func frame(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0)
        -> [UInt8]
    {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x70) | (opcode & 0x0F)]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            bytes.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes.append(maskBit | 126)
            bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (8 * UInt64($0))) & 0xFF) }
        }
        guard masked else { return bytes + payload }
        let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
        bytes += key
        bytes += payload.enumerated().map { $0.element ^ key[$0.offset & 3] }
        return bytes
    }

    // MARK: Reading

    /// The next message or control frame; nil once the connection is closed and everything read.
    package func next(within seconds: Double = 10) async throws -> WebSocketFrame? {
        try await channel.eventLoop.flatSubmit { self.inbox.nextFrame(within: seconds, on: self.channel.eventLoop) }
            .get()
    }

    /// Reads until a text message matches; throws with what was seen if none does in time, or the
    /// connection closes first. Other frames are skipped (and listed if it fails).
    @discardableResult
    package func expect(within seconds: Double = 10, _ matches: @escaping @Sendable (String) -> Bool) async throws
        -> String
    {
        let deadline = Date().addingTimeInterval(seconds)
        var seen: [WebSocketFrame] = []
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, let frame = try await next(within: left) else {
                throw WaitFailure(description: "no matching text message; saw: \(seen.suffix(20))")
            }
            if case .text(let text) = frame, matches(text) { return text }
            seen.append(frame)
        }
    }

    /// The next structured-protocol message, text frames decoded; other frames skipped.
    package func nextMessage(within seconds: Double = 10) async throws -> ServerMessage {
        let deadline = Date().addingTimeInterval(seconds)
        var seen: [WebSocketFrame] = []
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, let frame = try await next(within: left) else {
                throw WaitFailure(description: "no message; saw: \(seen.suffix(20))")
            }
            if case .text(let text) = frame { return try ServerMessage.decode(Array(text.utf8)) }
            seen.append(frame)
        }
    }

    /// Sends hello as `name` and reads up to the welcome; returns the name given.
    @discardableResult
    package func hello(_ name: String, resumeAfter: Int64? = nil) async throws -> String {
        try await send(.hello(name: name, resumeAfter: resumeAfter))
        while true {
            let message = try await nextMessage()
            switch message {
            case .welcome(let given, _, _, _, _, _): return given
            case .error(let code, let text): throw WaitFailure(description: "hello refused: \(code) \(text)")
            default: continue
            }
        }
    }

    /// Connects, says hello as `name`, and reads its history up to `history_end`.
    package static func join(port: Int, as name: String, receiveBuffer: Int? = nil) async throws
        -> WebSocketTestClient
    {
        let client = try await connect(port: port, receiveBuffer: receiveBuffer)
        try await client.hello(name)
        while true {
            if case .historyEnd = try await client.nextMessage() { return client }
        }
    }

    /// Reads until the server's close frame and the end of the connection; returns the close
    /// code (nil when the frame had none) and what came before. Throws if the connection ends
    /// without a close frame, or stays open.
    package func expectClose(within seconds: Double = 10) async throws -> (code: UInt16?, before: [WebSocketFrame]) {
        let deadline = Date().addingTimeInterval(seconds)
        var seen: [WebSocketFrame] = []
        var code: UInt16??
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                throw WaitFailure(description: "still open (close frame: \(String(describing: code))); saw: \(seen)")
            }
            guard let frame = try await next(within: left) else {
                guard let code else { throw WaitFailure(description: "closed without a close frame; saw: \(seen)") }
                return (code, seen)
            }
            if case .close(let got, _) = frame, code == nil {
                code = .some(got)
            } else {
                seen.append(frame)
            }
        }
    }

    /// Reads until the connection ends, whatever comes; returns what came.
    @discardableResult
    package func readToEnd(within seconds: Double = 10) async throws -> [WebSocketFrame] {
        let deadline = Date().addingTimeInterval(seconds)
        var seen: [WebSocketFrame] = []
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw WaitFailure(description: "still open; saw \(seen.count) frames") }
            guard let frame = try await next(within: left) else { return seen }
            seen.append(frame)
        }
    }

    /// True once the connection is closed.
    package var isClosed: Bool { !channel.isActive }

    /// Stops reading from the socket (the kernel's buffer fills, then the server's queue).
    package func stopReading() async throws {
        try await channel.setOption(.autoRead, value: false).get()
    }

    package func close() async {
        try? await channel.close()
    }

    /// Collects bytes on the event loop: first an HTTP response head (and a body, for plain
    /// requests), then WebSocket frames; answers a close frame with a close frame, as a browser does.
    private final class Inbox: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer

        private var bytes: [UInt8] = []
        private var cursor = 0
        private var closed = false
        private var context: ChannelHandlerContext?
        private var upgrading = true
        private var head: HTTPTestResponse?
        private var responseWaiter: (promise: EventLoopPromise<HTTPTestResponse>, timer: Scheduled<Void>)?
        private var frames: [WebSocketFrame] = []
        private var frameCursor = 0
        private var fragments: (opcode: UInt8, payload: [UInt8])?
        private var sentClose = false
        private var frameWaiter: (promise: EventLoopPromise<WebSocketFrame?>, timer: Scheduled<Void>)?
        private var failure: String?

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes += buffer.readableBytesView
            parse()
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed = true
            parse()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        func response(upgrading: Bool, within seconds: Double, on loop: EventLoop) -> EventLoopFuture<
            HTTPTestResponse
        > {
            self.upgrading = upgrading
            let promise = loop.makePromise(of: HTTPTestResponse.self)
            let timer = loop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) { [self] in
                responseWaiter = nil
                promise.fail(
                    WaitFailure(
                        description:
                            "no HTTP response within \(seconds) s; got: \(String(decoding: bytes, as: UTF8.self).prefix(500))"
                    ))
            }
            responseWaiter = (promise, timer)
            parse()
            return promise.futureResult
        }

        func nextFrame(within seconds: Double, on loop: EventLoop) -> EventLoopFuture<WebSocketFrame?> {
            let promise = loop.makePromise(of: WebSocketFrame?.self)
            if frameCursor < frames.count {
                frameCursor += 1
                promise.succeed(frames[frameCursor - 1])
            } else if let failure {
                promise.fail(WaitFailure(description: failure))
            } else if closed {
                promise.succeed(nil)
            } else {
                let timer = loop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) { [self] in
                    frameWaiter = nil
                    promise.fail(WaitFailure(description: "no frame within \(seconds) s; last: \(frames.suffix(10))"))
                }
                frameWaiter = (promise, timer)
            }
            return promise.futureResult
        }

        private func parse() {
            if head == nil || responseWaiter != nil {
                parseResponse()
            }
            if let head, head.status == 101, responseWaiter == nil {
                while failure == nil, parseFrame() {}
            }
            wakeFrameWaiter()
        }

        /// The response head, then (for plain requests) its body: by Content-Length, chunked, or
        /// up to the end of the connection.
        private func parseResponse() {
            if head == nil {
                guard let end = find([13, 10, 13, 10]) else {
                    if closed { failResponse("closed before a response head") }
                    return
                }
                let lines = String(decoding: bytes[cursor..<end], as: UTF8.self).components(separatedBy: "\r\n")
                cursor = end + 4
                let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) }
                var headers: [(name: String, value: String)] = []
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers.append(
                        (
                            line[..<colon].lowercased(),
                            line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                        ))
                }
                head = HTTPTestResponse(status: status ?? -1, headers: headers, body: [])
            }
            guard responseWaiter != nil, var response = head else { return }
            if upgrading && response.status == 101 {
                finishResponse(response)
                return
            }
            if let length = response.header("content-length").flatMap({ Int($0) }) {
                guard bytes.count - cursor >= length else {
                    if closed { failResponse("closed within the body") }
                    return
                }
                response.body = Array(bytes[cursor..<cursor + length])
                cursor += length
            } else if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
                var body: [UInt8] = []
                var at = cursor
                while true {
                    guard let lineEnd = find([13, 10], from: at) else {
                        if closed { failResponse("closed within a chunk") }
                        return
                    }
                    let sizeText = String(decoding: bytes[at..<lineEnd], as: UTF8.self).split(separator: ";").first
                    guard let size = sizeText.flatMap({ Int($0.trimmingCharacters(in: .whitespaces), radix: 16) })
                    else {
                        failResponse("bad chunk size")
                        return
                    }
                    at = lineEnd + 2
                    if size == 0 {
                        guard let end = find([13, 10], from: at) else { return }
                        at = end + 2
                        break
                    }
                    guard bytes.count - at >= size + 2 else {
                        if closed { failResponse("closed within a chunk") }
                        return
                    }
                    body += bytes[at..<at + size]
                    at += size + 2
                }
                response.body = body
                cursor = at
            } else if upgrading {
                // A refusal without a length: its head is enough.
            } else {
                guard closed else { return }
                response.body = Array(bytes[cursor...])
                cursor = bytes.count
            }
            head = response
            finishResponse(response)
        }

        private func finishResponse(_ response: HTTPTestResponse) {
            guard let (promise, timer) = responseWaiter else { return }
            responseWaiter = nil
            timer.cancel()
            promise.succeed(response)
        }

        private func failResponse(_ why: String) {
            guard let (promise, timer) = responseWaiter else { return }
            responseWaiter = nil
            timer.cancel()
            promise.fail(
                WaitFailure(description: "\(why); got: \(String(decoding: bytes, as: UTF8.self).prefix(500))"))
        }

        private func find(_ needle: [UInt8], from start: Int? = nil) -> Int? {
            var index = start ?? cursor
            while index + needle.count <= bytes.count {
                if bytes[index..<index + needle.count].elementsEqual(needle) { return index }
                index += 1
            }
            return nil
        }

        /// One frame off the buffer, if complete; false when more bytes are needed.
        private func parseFrame() -> Bool {
            let available = bytes.count - cursor
            guard available >= 2 else { return false }
            let first = bytes[cursor]
            let second = bytes[cursor + 1]
            let fin = first & 0x80 != 0
            let opcode = first & 0x0F
            let masked = second & 0x80 != 0
            var length = Int(second & 0x7F)
            var at = cursor + 2
            if length == 126 {
                guard available >= 4 else { return false }
                length = Int(bytes[at]) << 8 | Int(bytes[at + 1])
                at += 2
            } else if length == 127 {
                guard available >= 10 else { return false }
                length = bytes[at..<at + 8].reduce(0) { $0 << 8 | Int($1) }
                at += 8
            }
            if masked {
                failure = "the server sent a masked frame"
                return false
            }
            guard bytes.count - at >= length else { return false }
            let payload = Array(bytes[at..<at + length])
            cursor = at + length
            // Keep the buffer small: drop what is parsed.
            if cursor > 65536 {
                bytes.removeFirst(cursor)
                cursor = 0
            }
            switch opcode {
            case 0x0:
                guard var partial = fragments else {
                    failure = "a continuation frame with nothing to continue"
                    return false
                }
                partial.payload += payload
                fragments = fin ? nil : partial
                if fin { frames.append(message(partial.opcode, partial.payload)) }
            case 0x1, 0x2:
                if fin {
                    frames.append(message(opcode, payload))
                } else {
                    fragments = (opcode, payload)
                }
            case 0x8:
                let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
                frames.append(.close(code: code, reason: String(decoding: payload.dropFirst(2), as: UTF8.self)))
                if !sentClose, let context {
                    sentClose = true
                    let echo = WebSocketTestClient.frame(opcode: 0x8, payload: Array(payload.prefix(2)))
                    context.writeAndFlush(NIOAny(ByteBuffer(bytes: echo)), promise: nil)
                }
            case 0x9: frames.append(.ping(payload))
            case 0xA: frames.append(.pong(payload))
            default:
                failure = "the server sent opcode \(opcode)"
                return false
            }
            return true
        }

        private func message(_ opcode: UInt8, _ payload: [UInt8]) -> WebSocketFrame {
            opcode == 0x1 ? .text(String(decoding: payload, as: UTF8.self)) : .binary(payload)
        }

        private func wakeFrameWaiter() {
            guard let (promise, timer) = frameWaiter else { return }
            if frameCursor < frames.count {
                frameWaiter = nil
                timer.cancel()
                frameCursor += 1
                promise.succeed(frames[frameCursor - 1])
            } else if let failure {
                frameWaiter = nil
                timer.cancel()
                promise.fail(WaitFailure(description: failure))
            } else if closed {
                frameWaiter = nil
                timer.cancel()
                promise.succeed(nil)
            }
        }
    }
}

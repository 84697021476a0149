import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// A web port's connection until it becomes a chat: answers `GET` for the page's three files,
/// refuses everything else with a status and a line of text, and closes after each answer. A
/// WebSocket request at `/chat` from an allowed origin is taken by the upgrader before it gets
/// here (`WebPort`); then `becomeChat` puts the chat's handlers in its place. A connection that
/// sends no whole request within the timeout is closed.
final class WebEntrance: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// How a chat starts on this connection, once upgraded; nil for a connection refused at
    /// accept (`refusal` says why).
    private let chat: (@Sendable (any Channel) throws -> Void)?
    private let refusal: String?
    private let policy: OriginPolicy
    private let timeout: TimeAmount
    /// The connection ended without becoming a chat.
    private let ended: @Sendable () -> Void
    private var request: HTTPRequestHead?
    private var answered = false
    private var upgraded = false
    private var over = false
    private var timer: Scheduled<Void>?

    init(
        policy: OriginPolicy, timeoutSeconds: Double, refusal: String? = nil,
        chat: (@Sendable (any Channel) throws -> Void)?, ended: @escaping @Sendable () -> Void
    ) {
        self.policy = policy
        self.timeout = .nanoseconds(Int64(timeoutSeconds * 1e9))
        self.refusal = refusal
        self.chat = chat
        self.ended = ended
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Closed before it got here: no channelInactive will come.
        guard context.channel.isActive else { return end() }
        start(context)
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end: if let request, !answered { answer(request, context: context) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !answered { context.read() }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if !upgraded { end() }
        context.fireChannelInactive()
    }

    private func end() {
        guard !over else { return }
        over = true
        ended()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The server is stopping: a page being fetched is not a chat to say goodbye to.
        if event is ConnectionHandler.ShutdownBegun, !upgraded { return context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    /// The WebSocket handshake is done: the chat's handlers replace this one.
    func becomeChat(_ context: ChannelHandlerContext) throws {
        guard let chat else { throw ChannelError.ioOnClosedChannel }
        upgraded = true
        timer?.cancel()
        try chat(context.channel)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    // MARK: Answers

    private func answer(_ request: HTTPRequestHead, context: ChannelHandlerContext) {
        answered = true
        let path = request.path
        if let refusal { return respond(.serviceUnavailable, text: refusal, context: context) }
        if request.headers.contains(name: "upgrade") {
            guard path == WebPort.chatPath else {
                return respond(.notFound, text: "the chat's WebSocket is at \(WebPort.chatPath)", context: context)
            }
            return policy.allows(request)
                ? respond(.badRequest, text: "not a WebSocket handshake this server takes", context: context)
                : respond(
                    .forbidden, text: "pages from another site may not chat here (--allow-origin)", context: context)
        }
        guard request.method == .GET || request.method == .HEAD else {
            return respond(
                .methodNotAllowed, text: "only GET", extra: [("Allow", "GET, HEAD")], context: context)
        }
        let file: (body: String, type: String)? =
            switch path {
            case "/", "/index.html": (WebAssets.indexHTML, "text/html; charset=utf-8")
            case "/app.js": (WebAssets.appJS, "text/javascript; charset=utf-8")
            case "/app.css": (WebAssets.appCSS, "text/css; charset=utf-8")
            default: nil
            }
        guard let file else { return respond(.notFound, text: "no such page", context: context) }
        respond(.ok, body: file.body, type: file.type, head: request.method == .HEAD, context: context)
    }

    private func respond(
        _ status: HTTPResponseStatus, text: String, extra: [(String, String)] = [], context: ChannelHandlerContext
    ) {
        respond(status, body: text + "\n", type: "text/plain; charset=utf-8", extra: extra, context: context)
    }

    /// Writes the answer, then closes the connection.
    private func respond(
        _ status: HTTPResponseStatus, body: String, type: String, head: Bool = false, extra: [(String, String)] = [],
        context: ChannelHandlerContext
    ) {
        let bytes = context.channel.allocator.buffer(string: body)
        var headers = HTTPHeaders(Self.securityHeaders + extra)
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(bytes.readableBytes))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))))
            .whenFailure { _ in }
        if !head { context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Nothing but the server's own files: no inline script or style, no other site, no frames.
    static let securityHeaders = [
        (
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
                + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-cache"),
    ]
}

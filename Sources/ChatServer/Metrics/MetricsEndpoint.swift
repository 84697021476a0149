import NIOCore
import NIOHTTP1

/// The metrics port's connection: `GET /metrics` (Prometheus text), `GET /health` (200, or 503
/// while the server starts, stops or its store fails), 404 for any other path, 405 for other methods.
/// Each answer closes the connection; a request body over `maxBodyBytes` is refused (413), and a
/// connection that sends no whole request within the timeout is closed.
final class MetricsEndpoint: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBodyBytes = 1024
    static let prometheusType = "text/plain; version=0.0.4; charset=utf-8"

    /// nil until the server has started.
    private let scrape: @Sendable () -> MetricsScrape?
    private let timeout: TimeAmount
    private var request: HTTPRequestHead?
    private var bodyBytes = 0
    private var answered = false
    private var timer: Scheduled<Void>?

    init(scrape: @escaping @Sendable () -> MetricsScrape?, timeoutSeconds: Double) {
        self.scrape = scrape
        self.timeout = .seconds(timeoutSeconds)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body(let bytes):
            bodyBytes += bytes.readableBytes
            if bodyBytes > Self.maxBodyBytes {
                respond(.payloadTooLarge, body: "request too large\n", context: context)
            }
        case .end:
            if let request { answer(request, context: context) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func answer(_ request: HTTPRequestHead, context: ChannelHandlerContext) {
        guard request.method == .GET || request.method == .HEAD else {
            return respond(.methodNotAllowed, body: "only GET\n", extra: [("Allow", "GET, HEAD")], context: context)
        }
        let head = request.method == .HEAD
        guard let scrape = scrape() else {
            return respond(.serviceUnavailable, body: "starting\n", head: head, context: context)
        }
        switch request.path {
        case "/metrics":
            answered = true
            let this = NIOLoopBound(self, eventLoop: context.eventLoop)
            let context = NIOLoopBound(context, eventLoop: context.eventLoop)
            scrape.render(on: context.value.eventLoop).whenComplete { result in
                switch result {
                case .success(let text):
                    this.value.respond(
                        .ok, body: text, type: Self.prometheusType, head: head, context: context.value)
                case .failure:
                    this.value.respond(.internalServerError, body: "cannot read the metrics\n", context: context.value)
                }
            }
        case "/health":
            let (ok, body) = scrape.health()
            respond(
                ok ? .ok : .serviceUnavailable, body: body + "\n", type: "application/json", head: head,
                context: context)
        default:
            respond(.notFound, body: "not found: /metrics or /health\n", context: context)
        }
    }

    /// Writes the answer, then closes the connection.
    private func respond(
        _ status: HTTPResponseStatus, body: String, type: String = "text/plain; charset=utf-8", head: Bool = false,
        extra: [(String, String)] = [], context: ChannelHandlerContext
    ) {
        answered = true
        timer?.cancel()
        let bytes = context.channel.allocator.buffer(string: body)
        var headers = HTTPHeaders(extra)
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(bytes.readableBytes))
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: "no-store")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))))
            .whenFailure { _ in }
        if !head { context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

import NIOCore
import NIOHTTP1
import NIOWebSocket

extension HTTPRequestHead {
    /// The request's path, without its query.
    var path: Substring { uri.prefix { $0 != "?" } }
}

/// The web port's pipeline: HTTP/1.1 for the page (`WebEntrance`), and at `/chat` the WebSocket
/// upgrade for pages of an allowed origin, after which the connection is a JSON-lines chat
/// (`WebSocketLines` before the `ConnectionHandler`).
enum WebPort {
    /// Where the page opens its WebSocket.
    static let chatPath = "/chat"

    /// Adds the HTTP handlers and the upgrader; the `WebEntrance` is added once the connection
    /// is admitted. A WebSocket frame over `maxLineBytes` is refused (close 1009).
    static func configure(_ channel: any Channel, maxLineBytes: Int, policy: OriginPolicy) throws {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: maxLineBytes, automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let allowed = head.path == chatPath && policy.allows(head)
                return channel.eventLoop.makeSucceededFuture(allowed ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let entrance = try channel.pipeline.syncOperations.context(handlerType: WebEntrance.self)
                    try (entrance.handler as! WebEntrance).becomeChat(entrance)
                }
            })
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
    }
}

import ChatCore
import ChatProtocol
import NIOCore

/// The web window's door: the JSON-lines door over a WebSocket, one message per text frame. Its
/// clients are known to speak JSON from the start, so the plain greeting is not sent.
struct WebSocketDoor: LineDoor {
    let json: JSONDoor
    var format: WireFormat { json.format }
    var pings: Bool { true }

    func accepts(_ line: ByteBufferView) -> Bool { true }

    func decode(_ line: InboundLine, stage: DecodeStage) -> DoorInput {
        json.decode(line, stage: stage)
    }

    func encode(_ reply: Reply, into buffer: inout ByteBuffer) {
        if case .greeting = reply { return }
        json.encode(reply, into: &buffer)
    }
}

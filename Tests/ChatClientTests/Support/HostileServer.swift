import ChatTestSupport
import Foundation
import NIOConcurrencyHelpers

/// A misbehaving chat server for the client to cope with: plain sockets on 127.0.0.1, port 0;
/// each accepted connection runs `behaviour` on a thread of its own. `stop()` ends them all.
final class HostileServer: Sendable {
    let port: Int
    private let listener: Int32
    private let state = NIOLockedValueBox(State())

    private struct State {
        var descriptors: Set<Int32> = []
        var stopped = false
        var listenerClosed = false
        var connections = 0
        var bytesSent = 0
        var firstLines: [String] = []
    }

    /// Connections accepted so far.
    var connections: Int { state.withLockedValue { $0.connections } }
    /// Bytes sent over all connections.
    var bytesSent: Int { state.withLockedValue { $0.bytesSent } }
    /// The first line each connection sent (the hello), in order.
    var firstLines: [String] { state.withLockedValue { $0.firstLines } }
    var stopped: Bool { state.withLockedValue { $0.stopped } }

    init(_ behaviour: @escaping @Sendable (HostileConnection) -> Void) throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(fd, raw, length) == 0, listen(fd, 16) == 0, getsockname(fd, raw, &length) == 0 else {
                    throw WaitFailure(description: "cannot listen: errno \(errno)")
                }
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else {
                    if errno == EINTR { continue }
                    // Closed under the lock, so that `stop()` never shuts down a reused descriptor.
                    state.withLockedValue { state in
                        state.listenerClosed = true
                        close(fd)
                    }
                    return
                }
                let accepted = state.withLockedValue { state -> Bool in
                    guard !state.stopped else { return false }
                    state.descriptors.insert(client)
                    state.connections += 1
                    return true
                }
                guard accepted else {
                    close(client)
                    return
                }
                Thread { [self] in
                    behaviour(HostileConnection(descriptor: client, server: self))
                    state.withLockedValue { state in
                        state.descriptors.remove(client)
                        close(client)
                    }
                }.start()
            }
        }.start()
    }

    /// Stops accepting and ends every connection: their reads and writes fail at once, and each
    /// thread closes its own descriptor.
    /// Descriptors are shut down under the lock their threads close them under: a descriptor
    /// closed and reused by another test is never touched. Stopping twice does nothing more.
    func stop() {
        state.withLockedValue { state in
            guard !state.stopped else { return }
            state.stopped = true
            for fd in state.descriptors { shutdown(fd, Int32(SHUT_RDWR)) }
            if !state.listenerClosed { shutdown(listener, Int32(SHUT_RDWR)) }
        }
    }

    fileprivate func sent(_ count: Int) {
        state.withLockedValue { $0.bytesSent += count }
    }

    fileprivate func heard(_ line: String) {
        state.withLockedValue { $0.firstLines.append(line) }
    }
}

/// One connection to a `HostileServer`, used on its own thread.
struct HostileConnection: Sendable {
    let descriptor: Int32
    let server: HostileServer

    /// Sends `text` and a newline; false once the peer is gone.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes {
                Foundation.send(descriptor, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
            server.sent(count)
        }
        return true
    }

    /// Reads up to the first newline and records it as the connection's first line; nil at end of input.
    func readFirstLine() -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        server.heard(text)
        return text
    }

    /// Reads lines until the client says goodbye (or closes), as a chat-server would before closing.
    func readUntilQuit() {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return }
            guard byte == UInt8(ascii: "\n") else {
                line.append(byte)
                continue
            }
            if String(decoding: line, as: UTF8.self).contains(#""type":"quit""#) { return }
            line = []
        }
    }

    /// Makes the close that follows a reset (RST), as when a server crashes mid-write.
    func reset() {
        var linger = Foundation.linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Foundation.linger>.size))
    }

    /// Reads and drops everything until the peer closes (or the server stops).
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
        }
    }

    /// The greeting, the welcome and the end of the (empty) history, as a chat-server sends them.
    func welcome(name: String) {
        send("Welcome to chatroom! Type your name and press Enter:")
        send(#"{"type":"welcome","protocol":1,"name":"\#(name)","session":1,"server":"hostile","room":"main"}"#)
        send(#"{"type":"history_end"}"#)
    }

    /// A live message event with `id`.
    func event(id: Int64, text: String) {
        send(
            #"{"type":"event","event":{"id":\#(id),"kind":"message","room":"main","user":"mallory","text":"\#(text)","#
                + #""time":"2026-11-22T10:01:02.123Z","session":1}}"#)
    }
}

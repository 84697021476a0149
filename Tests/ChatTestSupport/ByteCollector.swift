import ChatStore
import Foundation

/// Bytes read from a descriptor on a thread of their own, until end of file.
package final class ByteCollector: Sendable {
    private let bytes = Locked<[UInt8]>([])
    private let done = Locked(false)

    package init(descriptor: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
                if count > 0 {
                    bytes.withLock { $0.append(contentsOf: buffer[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            done.withLock { $0 = true }
        }
        thread.start()
    }

    package var data: [UInt8] { bytes.withLock { $0 } }
    package var text: String { String(decoding: data, as: UTF8.self) }
    package var finished: Bool { done.withLock { $0 } }

    /// Waits until the text satisfies `condition`.
    package func waitFor(within seconds: Double = 15, _ what: String, _ condition: (String) -> Bool) async throws {
        try await eventually(within: seconds, "\(what); output so far: \(text.suffix(600).debugDescription)") {
            condition(text)
        }
    }
}

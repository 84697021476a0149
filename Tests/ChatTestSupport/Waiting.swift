import Foundation

/// A test's failure to see what it waited for, with what it saw instead.
package struct WaitFailure: Error, CustomStringConvertible, Sendable {
    package var description: String

    package init(description: String) {
        self.description = description
    }
}

/// A fresh temporary directory, removed by `remove()`.
package struct TemporaryDirectory: Sendable {
    package let path: String

    package init() {
        var template = Array((NSTemporaryDirectory() + "chatroom-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: made!)
    }

    package func file(_ name: String) -> String { path + "/" + name }

    package func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Waits for `condition` to hold, checking every few milliseconds, for at most `seconds`.
/// `what` is only worked out when the wait fails, so it can describe the state at that moment.
package func eventually(
    within seconds: Double = 10, _ what: @autoclosure () -> String, _ condition: () async throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !(try await condition()) {
        guard Date() < deadline else { throw WaitFailure(description: "timed out waiting for \(what())") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

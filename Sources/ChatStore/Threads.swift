import Foundation

/// Starts a thread of its own running `body`. `body` is `sending`: what it captures is no longer
/// reachable from the caller, so the compiler checks that state handed to the thread stays its own.
func startThread(name: String, _ body: sending @escaping () -> Void) {
    let handOver = HandOver(body: body)
    let thread = Thread { handOver.body() }
    thread.name = name
    thread.start()
}

/// Carries a `sending` closure into `Thread`, whose block must be `@Sendable`.
private struct HandOver: @unchecked Sendable {  // `body` was sent: only the new thread calls it
    let body: () -> Void
}

import NIOConcurrencyHelpers

/// A pipe without `--password-stdin`: until the first welcome, input lines wait; when the server
/// asks for a password before that, the next input line is the password (never a message, never
/// shown). After the welcome every line is a message, and the gate has no password to give.
final class PasswordGate: Sendable {
    private struct State {
        var open = false
        var ended = false
        /// The line the reader holds while it is not known to be a message or the password.
        var held: (line: String, reader: CheckedContinuation<Bool, Never>)?
        /// The session waiting for a password line.
        var asker: CheckedContinuation<String?, Never>?
    }

    private let state = NIOLockedValueBox(State())

    /// The reader's next line: true when it was taken as the password, false when it is a
    /// message (the gate is open, or input handling is over). Waits until it is known.
    func offer(_ line: String) async -> Bool {
        await withCheckedContinuation { reader in
            let asker = state.withLockedValue { state -> CheckedContinuation<String?, Never>?? in
                if state.open || state.ended { return .some(nil) }
                if let asker = state.asker {
                    state.asker = nil
                    return .some(asker)
                }
                state.held = (line, reader)
                return .none
            }
            switch asker {
            case .none: break
            case .some(nil): reader.resume(returning: false)
            case .some(.some(let asker)):
                asker.resume(returning: line)
                reader.resume(returning: true)
            }
        }
    }

    /// The session wants a password: the next input line, or nil when input ended, the gate is
    /// open (a reconnection: lines are messages now) or the wait is cancelled.
    func ask() async -> String? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { asker in
                let held = state.withLockedValue { state -> (String, CheckedContinuation<Bool, Never>)?? in
                    if state.open || state.ended { return .some(nil) }
                    if let held = state.held {
                        state.held = nil
                        return .some((held.line, held.reader))
                    }
                    state.asker = asker
                    return .none
                }
                switch held {
                case .none: break
                case .some(nil): asker.resume(returning: nil)
                case .some(.some(let (line, reader))):
                    reader.resume(returning: true)
                    asker.resume(returning: line)
                }
            }
        } onCancel: {
            end()
        }
    }

    /// Welcomed: every line is a message from now on.
    func open() {
        let reader = state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
            state.open = true
            defer { state.held = nil }
            return state.held?.reader
        }
        reader?.resume(returning: false)
    }

    /// Input ended, a signal came or the wait was cancelled: no password will come from here.
    func end() {
        let (reader, asker) = state.withLockedValue { state in
            state.ended = true
            defer {
                state.held = nil
                state.asker = nil
            }
            return (state.held?.reader, state.asker)
        }
        reader?.resume(returning: false)
        asker?.resume(returning: nil)
    }
}

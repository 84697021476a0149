import ChatModel
import ChatStore

/// A failure the user can act on: printed as one line, `chat-replay: error: ...`, with a non-zero exit.
public struct ReplayError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The sentence shown to the user.
    public var message: String
    /// The process exit status: 2 for errors, 1 for "the replay differs" (like `diff`).
    public var status: Int32

    public init(_ message: String, status: Int32 = 2) {
        self.message = message
        self.status = status
    }

    public var description: String { message }

    /// A store error as one line: the file and the cause, without SQL.
    public init(_ error: StoreError) {
        self.init("\(error.path): \(error.message)")
    }
}

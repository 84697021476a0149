import ChatModel
import ChatStore

/// Where a session starts or ends in a transcript, in the same words in every format:
/// `session 2 started`, `session 2 ended cleanly`, `session 2 ended uncleanly (the server stopped
/// without shutting down)`, `session 3 is still running`.
public struct SessionMark: Sendable, Equatable {
    public enum Edge: Sendable, Equatable {
        case start, end
    }

    public var session: Session
    public var edge: Edge

    public init(_ edge: Edge, of session: Session) {
        self.session = session
        self.edge = edge
    }

    /// When it happened, if known: the start, or the recorded end (none while running, nor for an
    /// unclean end no server has dated yet).
    public var millis: Int64? {
        switch edge {
        case .start: session.startedMillis
        case .end: session.state == .running ? nil : session.endedMillis
        }
    }

    /// The sentence, without a time.
    public var words: String {
        let name = "session \(session.id)"
        switch (edge, session.state) {
        case (.start, _): return "\(name) started"
        case (.end, .clean): return "\(name) ended cleanly"
        case (.end, .unclean): return "\(name) ended uncleanly (the server stopped without shutting down)"
        case (.end, .running): return "\(name) is still running"
        }
    }

    /// `clean`, `unclean`, `running` for an end; `start` for a start: a class name for styling.
    public var tag: String {
        edge == .start ? "start" : session.state.rawValue
    }
}

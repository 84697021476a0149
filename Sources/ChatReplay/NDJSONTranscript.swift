import ChatModel
import ChatProtocol
import ChatStore

/// One event per line in the wire shape (`EventJSON`); nothing else, so `jq` and `chat-replay`
/// itself can read it back line by line.
public struct NDJSONTranscript: TranscriptWriter {
    let output: any TranscriptOutput

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {}

    public mutating func write(_ event: Event) throws(ReplayError) {
        try output.write(EventJSON.encode(event) + "\n")
    }

    public mutating func end(_ summary: TranscriptSummary) throws(ReplayError) {
        try output.flush()
    }
}

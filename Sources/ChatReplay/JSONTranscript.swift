import ChatModel
import ChatProtocol
import ChatStore

/// One JSON document, built while streaming:
///
///     {"format":"chatroom-transcript","version":1,"title":"Session 3","events":[
///     {"id":1,...},
///     {"id":2,...}
///     ],"count":2,"last_id":2}
///
/// Each event is in the wire shape (`EventJSON`); `last_id` is null when nothing was exported.
public struct JSONTranscript: TranscriptWriter {
    let output: any TranscriptOutput
    private var first = true

    public init(output: any TranscriptOutput) {
        self.output = output
    }

    public mutating func begin(_ header: TranscriptHeader) throws(ReplayError) {
        var text = "{\"format\":\"chatroom-transcript\",\"version\":1,\"title\":"
        JSONObject.appendQuoted(header.title, to: &text)
        try output.write(text + ",\"events\":[")
    }

    public mutating func write(_ event: Event) throws(ReplayError) {
        try output.write((first ? "\n" : ",\n") + EventJSON.encode(event))
        first = false
    }

    public mutating func end(_ summary: TranscriptSummary) throws(ReplayError) {
        let lastID = summary.lastID.map(String.init) ?? "null"
        try output.write((first ? "" : "\n") + "],\"count\":\(summary.count),\"last_id\":\(lastID)}\n")
        try output.flush()
    }
}

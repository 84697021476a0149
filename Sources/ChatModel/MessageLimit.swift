/// How long a message may be, the same from every door: the limit counts the UTF-8 bytes of the
/// message's text as stored (after `TextSanitizer`), never a door's framing. Lines may be longer
/// than the limit by what a door needs to carry such a text (docs/PROTOCOL.md, "Limits").
public enum MessageLimit {
    /// The longest message text, in UTF-8 bytes, unless the server is told otherwise.
    public static let defaultBytes = 4096

    /// Room for a door's envelope around a text: the JSON door's `{"type":"say","text":""}` with
    /// spaces, fields it ignores, and the plain door's `/me `.
    public static let envelopeBytes = 1024

    /// The longest line that can carry a message of `messageBytes`: the JSON door's worst
    /// escaping (`\u00XX`, 6 bytes for each byte of text) plus the envelope. It still bounds what a
    /// connection buffers.
    public static func frameBytes(forMessageBytes messageBytes: Int) -> Int {
        6 * messageBytes + envelopeBytes
    }
}

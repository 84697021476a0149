/// The words a `--serve` host's server says when the host leaves: the room is gone for good, so
/// its guests stop instead of reconnecting. The protocol has no field for it (yet): the
/// `shutdown` message's text is the signal.
public enum RoomClosing {
    /// What the host's server tells everyone as it closes.
    public static let message = "the room is closing: the host left"

    /// True when a `shutdown` message says the room will not come back.
    public static func isFinal(_ shutdownMessage: String) -> Bool {
        shutdownMessage.hasPrefix("the room is closing")
    }
}

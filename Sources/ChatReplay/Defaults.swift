import ChatModel
import ChatStore

/// Settings shared with the server.
public enum ReplayDefaults {
    /// The database chat-server writes by default: `chat.sqlite` in the current directory.
    public static let databasePath = EventStore.defaultPath
}

extension Door {
    /// The door this connection is counted under in the metrics.
    var metricsLabel: DoorLabel {
        if self is WebSocketDoor { return .websocket }
        if self is IRCDoor { return .irc }
        if self is JSONDoor { return .json }
        return .plain
    }
}

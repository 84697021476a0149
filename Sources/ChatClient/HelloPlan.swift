import ChatModel

/// What a hello says: the name, and after a drop where to resume. To a server with rooms, every
/// room with the last event shown of it (the current one last), the private messages' mark and
/// the previous welcome's token; to a server without rooms (and as a watcher), the last event
/// shown of its one room.
struct HelloPlan: Equatable {
    var name: String
    var resumeAfter: Int64?
    var rooms: [RoomResume] = []
    var privateAfter: Int64?
    var token: String?
    /// The name's password: only once the server asked for it (or the name was registered).
    var password: String?

    /// - Parameters:
    ///   - roomsByName: resume room by room (the server has rooms and this is a member).
    ///   - password: the password known for `name`, if any.
    init(
        name: String, marks: RoomMarks, resumed: Bool, roomsByName: Bool, welcomeRoom: String, password: String? = nil
    ) {
        self.name = name
        self.password = password
        guard resumed else { return }
        if roomsByName {
            rooms = marks.resumes
            privateAfter = marks.privateAfter
            token = marks.token
        } else {
            resumeAfter = marks.lastShown(in: marks.current ?? welcomeRoom)
        }
    }

    /// A reconnection: the history blocks that follow the welcome are catch-ups.
    var catchingUp: Bool { resumeAfter != nil || !rooms.isEmpty }

    /// What each room's first block holds: a catch-up after an event shown, else a join's history.
    var blocks: [(room: String, kind: HistoryKind)] {
        rooms.map { ($0.room, $0.resumeAfter == nil ? .join : .catchUp) }
    }

}

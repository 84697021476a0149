import ChatModel
import ChatProtocol
import ChatStore
import NIOCore
import NIOPosix

extension ChatServer {
    /// Sends the welcome and the history (or what a resuming client missed), then makes the
    /// member live: every event after the history reaches it exactly once. The record is read on
    /// the thread pool; the future completes once the member is live.
    func catchUp(_ member: Member, name: String, introduction: Introduction) -> EventLoopFuture<Void> {
        let wanted = min(introduction.history ?? configuration.history, 1000)
        let resumeAfter = introduction.resumeAfter
        let maxResume = configuration.maxResume
        let roomName = room.name
        let read = NIOThreadPool.singleton.runIfActive(eventLoop: member.channel.eventLoop) { [store] in
            try store.read { reader -> ([Event], ServerMessage?) in
                guard let resumeAfter else { return (try reader.recent(room: roomName, limit: wanted), nil) }
                if resumeAfter > (try reader.lastEventID()) {
                    // The client's record comes from another database: start afresh.
                    return (
                        try reader.recent(room: roomName, limit: wanted), .gap(after: resumeAfter, resumedAfter: 0)
                    )
                }
                let missed = try reader.events(room: roomName, after: resumeAfter, limit: maxResume + 1)
                guard missed.count > maxResume else { return (missed, nil) }
                // Too much to catch up on: the most recent ones, and a word about the rest.
                let latest = try reader.recent(room: roomName, limit: maxResume)
                return (latest, .gap(after: resumeAfter, resumedAfter: (latest.first?.id ?? 1) - 1))
            }
        }
        return read.recover { [logger] error in
            logger.error("cannot read history: \(error)")
            return ([], nil)
        }.map { [self] history, gap in
            goLive(member, name: name, introduction: introduction, history: history, gap: gap)
        }
    }

    private func goLive(
        _ member: Member, name: String, introduction: Introduction, history: [Event], gap: ServerMessage?
    ) {
        let structured = introduction.mode == .structured
        let roomName = room.name
        var prefix = member.channel.allocator.buffer(capacity: 256 + history.count * 160)
        func line(_ text: String) {
            prefix.writeString(text)
            prefix.writeInteger(UInt8(ascii: "\n"))
        }
        let renamed = name.lowercased() == introduction.name.lowercased() ? nil : introduction.name
        if structured {
            line(
                ServerMessage.welcome(
                    name: name, session: session, server: "chatroom \(chatroomVersion)", room: roomName
                ).json)
            if let gap { line(gap.json) }
            for event in history { line(ServerMessage.event(event, history: true).json) }
            line(ServerMessage.historyEnd.json)
        } else {
            line(PlainTexts.welcome(name, renamedFrom: renamed))
            if !history.isEmpty {
                line(PlainTexts.historyHeader(history.count))
                for event in history { line(PlainText.historyLine(event)) }
                line(PlainTexts.historyFooter)
            }
        }
        let seen: Int64 = history.last?.id ?? (gap == nil ? introduction.resumeAfter ?? 0 : 0)
        member.goLive(prefix: prefix, seenThrough: seen)
    }

    /// Answers `/history N` or a history request; the future completes once it is sent.
    func sendHistory(_ member: Member, limit: Int) -> EventLoopFuture<Void> {
        let roomName = room.name
        return NIOThreadPool.singleton.runIfActive(eventLoop: member.channel.eventLoop) { [store] in
            try store.read { try $0.recent(room: roomName, limit: min(max(limit, 0), 1000)) }
        }.recover { _ in [] }.map { [self] events in send(events, asHistoryTo: member) }
    }

    private func send(_ events: [Event], asHistoryTo member: Member) {
        var buffer = member.channel.allocator.buffer(capacity: 64 + events.count * 160)
        func line(_ text: String) {
            buffer.writeString(text)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        if member.mode == .structured {
            for event in events { line(ServerMessage.event(event, history: true).json) }
            line(ServerMessage.historyEnd.json)
        } else {
            line(PlainTexts.historyHeader(events.count))
            for event in events { line(PlainText.historyLine(event)) }
            line(PlainTexts.historyFooter)
        }
        member.send(buffer)
    }
}

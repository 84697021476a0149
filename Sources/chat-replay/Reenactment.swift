import ChatModel
import ChatReplay
import ChatStore

extension ReplayCommand {
    /// `replay --to`: re-enacts `session` against `target`, printing each step; with `--verify`,
    /// compares the target's record with the original and exits 1 when they differ.
    func reenact(session: Session, source: any ReplaySource, target: LoopbackAddress) async throws {
        let output = FileOutput.standardOutput()
        // Open the target's database first, so a bad path fails before anything is sent.
        let targetReader = try targetDatabase.map(ReplayDatabase.openReader(path:))
        // Every room and every private message: the re-enactment is of the whole session.
        var all = EventFilter(session: session.id)
        all.includePrivate = true
        var pager = EventPager(source: source, filter: all)
        let rooms = try await sourceQuery { try await source.rooms(selectedBy: all) }.count > 1
        let reenactor = Reenactor(target: target, timing: timing, timeout: .seconds(max(1, Int64(connectTimeout))))
        let local = local
        let outcome = try await reenactor.run(
            next: { try await pager.next() },
            enacted: { event in
                try output.write(TextTranscript.line(event, local: local, room: rooms) + "\n")
                try output.flush()
            })
        try output.write("re-enacted session \(session.id) against \(target): \(outcome.original.count) events\n")
        guard verify else { return try output.finish() }
        let recorded: [Event]
        if let targetReader, let ids = outcome.targetIDs {
            recorded = try storeQuery {
                var recorded = EventFilter(afterID: ids.lowerBound - 1)
                recorded.includePrivate = true
                return try targetReader.events(recorded).filter { $0.id <= ids.upperBound }
            }
        } else {
            recorded = outcome.observed
        }
        let differences = Verification.compareByRoom(
            original: outcome.original, target: outcome.targetKeys(recorded), renames: outcome.renames)
        for difference in differences { try output.write("\(difference)\n") }
        let source = targetReader == nil ? "as the observer saw it" : "in \(targetDatabase ?? "")"
        if differences.isEmpty {
            try output.write("verify: no differences (\(outcome.original.count) events; target \(source))\n")
            try output.finish()
        } else {
            let noun = differences.count == 1 ? "difference" : "differences"
            try output.write("verify: \(differences.count) \(noun) (target \(source))\n")
            try output.finish()
            throw ReplayError("", status: 1)
        }
    }
}

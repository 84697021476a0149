import ArgumentParser
import ChatModel

/// `--retain` and `--retain-room`: how long the record keeps events.
struct RetentionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Purge events older than this (90d, 12h, 30m, 2w; off by default), at start-up and every minute.",
            valueName: "duration"))
    var retain: String?

    @Option(
        help: ArgumentHelp(
            "A room's own limit, repeatable: dev=7d; dev=forever (or off) keeps it whatever --retain says.",
            valueName: "room=duration"))
    var retainRoom: [String] = []

    /// The policy the options describe; a `ValidationError` naming what is wrong.
    func policy() throws -> RetentionPolicy {
        var policy = RetentionPolicy()
        if let retain {
            switch RetentionPolicy.parseDuration(retain) {
            case .success(let millis): policy.defaultMillis = millis
            case .failure(let problem): throw ValidationError("--retain: \(problem)")
            }
        }
        for assignment in retainRoom {
            if case .failure(let problem) = policy.addRoom(assignment) {
                throw ValidationError("--retain-room: \(problem)")
            }
        }
        return policy
    }
}

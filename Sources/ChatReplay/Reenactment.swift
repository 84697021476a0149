import ChatStore

extension ReplayCommand {
    /// Re-enacts `session` against `target` (see `Reenactor`).
    func reenact(session: Session, reader: EventReader, target: LoopbackAddress) async throws {
        throw ReplayError("replay --to is not available yet")
    }
}

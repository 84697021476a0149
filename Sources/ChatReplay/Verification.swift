/// One way a re-enactment differs from its original.
public enum Difference: Hashable, Sendable, CustomStringConvertible {
    /// The target gave a participant another name (the name was taken there).
    case renamed(from: String, to: String)
    /// An original event the target did not record; `position` counts from 1 in the original.
    case missing(EventKey, position: Int)
    /// An event the target recorded that the original does not have; `position` in the target.
    case extra(EventKey, position: Int)
    /// An event both have, in a different place relative to the others.
    case reordered(EventKey, original: Int, target: Int)
    /// A difference in one room (`#dev`) or among the private messages (`private`), when the
    /// session has more than one; positions count within it.
    indirect case scoped(String, Difference)

    public var description: String {
        switch self {
        case .renamed(let from, let to): "renamed: \(from) -> \(to)"
        case .missing(let key, let position): "missing: #\(position) \(key)"
        case .extra(let key, let position): "extra: #\(position) \(key)"
        case .reordered(let key, let original, let target):
            "reordered: \(key) (original #\(original), target #\(target))"
        case .scoped(let scope, let difference): "\(scope): \(difference)"
        }
    }
}

/// Compares two event sequences with a minimal edit script (Myers, via `CollectionDifference`),
/// pairing a removal and an insertion of the same event as a reorder.
public enum Verification {
    /// The differences, renames first, then in original order. Target names must already be mapped
    /// back to the original names (see `Reenactment.targetKeys`).
    public static func compare(
        original: [EventKey], target: [EventKey], renames: [(from: String, to: String)] = []
    ) -> [Difference] {
        var result = renames.filter { $0.from != $0.to }.map { Difference.renamed(from: $0.from, to: $0.to) }
        let difference = target.difference(from: original).inferringMoves()
        var moves: [Int: Int] = [:]  // original offset -> target offset
        for change in difference {
            if case .insert(let offset, _, let from?) = change { moves[from] = offset }
        }
        var changes: [(Int, Difference)] = []
        for change in difference {
            switch change {
            case .remove(let offset, let key, let to):
                if to != nil, let targetOffset = moves[offset] {
                    changes.append((offset, .reordered(key, original: offset + 1, target: targetOffset + 1)))
                } else {
                    changes.append((offset, .missing(key, position: offset + 1)))
                }
            case .insert(let offset, let key, let from):
                if from == nil { changes.append((offset, .extra(key, position: offset + 1))) }
            }
        }
        result += changes.sorted { $0.0 < $1.0 }.map(\.1)
        return result
    }

    /// The differences per room, each room's events (and the private messages) compared in their
    /// own order: renames first, then each scope in the order the original first shows it. With
    /// one scope only, as `compare`.
    public static func compareByRoom(
        original: [EventKey], target: [EventKey], renames: [(from: String, to: String)] = []
    ) -> [Difference] {
        var scopes: [String] = []
        for key in original + target where !scopes.contains(key.scope) { scopes.append(key.scope) }
        guard scopes.count > 1 else { return compare(original: original, target: target, renames: renames) }
        var result = compare(original: [], target: [], renames: renames)
        for scope in scopes {
            let differences = compare(
                original: original.filter { $0.scope == scope }, target: target.filter { $0.scope == scope })
            result += differences.map { .scoped(scope, $0) }
        }
        return result
    }
}

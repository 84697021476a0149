/// How a name typed by a person becomes the name the room shows, and when two names are the same.
public enum NameRules {
    /// The longest name, in characters.
    public static let maxLength = 24
    /// The longest name, in UTF-8 bytes (so a name of stacked accents cannot be huge).
    public static let maxBytes = 64
    /// The most combining marks one character keeps.
    public static let maxMarksPerCharacter = 3
    /// The name given to someone who gives none.
    public static let defaultName = "USR"
    /// Names nobody may take, compared by `skeleton`: they would pass for the server.
    public static let reserved: Set<String> = [
        "server", "system", "admin", "administrator", "root", "chat", "chatroom", "moderator", "everyone", "nobody",
    ]
    private static let reservedSkeletons = Set(reserved.map(skeleton))

    /// `raw` as a name (see `clean`); empty when no name was given.
    public static func normalize(_ raw: String) -> String {
        clean(raw).name
    }

    /// Cleans a typed name: drops invisible and format characters and controls, maps compatibility
    /// forms to plain ones (NFKC: `ａｌｉｃｅ` → `alice`), trims, turns inner white space into `_`,
    /// drops marks with no letter and marks beyond `maxMarksPerCharacter`, and cuts to `maxLength`
    /// characters and `maxBytes` bytes. Says what it changed.
    public static func clean(_ raw: String) -> CleanedName {
        var changes: Set<NameAdjustment> = []
        var mapped = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            if NameCharacters.isInvisible(scalar) {
                changes.insert(.invisible)
            } else if CharacterPolicy.isUnsafe(scalar) || scalar == "\u{FFFD}" {
                changes.insert(scalar.properties.isWhitespace ? .spaces : .controls)
            } else if let compatible = NameTables.compatibility[scalar.value] {
                changes.insert(.compatibility)
                mapped.append(contentsOf: compatible.unicodeScalars.filter { !NameCharacters.isInvisible($0) })
            } else {
                mapped.append(scalar)
            }
        }
        let words = String(mapped).split(whereSeparator: \.isWhitespace)
        let joined = words.joined(separator: "_")
        if words.count > 1 { changes.insert(.spaces) }
        var name = ""
        var bytes = 0
        for character in joined {
            let kept = NameCharacters.limitMarks(character, leading: name.isEmpty)
            if kept.unicodeScalars.count != character.unicodeScalars.count { changes.insert(.marks) }
            if kept.isEmpty { continue }
            if name.count == maxLength || bytes + kept.utf8.count > maxBytes {
                changes.insert(.tooLong)
                break
            }
            name += kept
            bytes += kept.utf8.count
        }
        return CleanedName(name: name, changes: changes)
    }

    /// What two names that look alike have in common: the name with each character replaced by
    /// the one it is confusable with (Unicode's confusables data, UTS #39), case folded. `alice`,
    /// `ALICE`, `аlice` (Cyrillic а) and `ａｌｉｃｅ` all have the skeleton `alice`. Two people
    /// present never share a skeleton.
    public static func skeleton(_ name: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in clean(name).name.unicodeScalars {
            if let prototype = NameTables.skeleton[scalar.value] {
                result.append(contentsOf: prototype.unicodeScalars)
                continue
            }
            // Outside the tables' scripts, case folding is lowercasing.
            for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                result.append(
                    contentsOf: NameTables.skeleton[lower.value]?.unicodeScalars ?? String(lower).unicodeScalars)
            }
        }
        return String(result)
    }

    /// True when `name` may not be used: its skeleton is a reserved name's (`ѕerver`, `SERVER`).
    public static func isReserved(_ name: String) -> Bool {
        reservedSkeletons.contains(skeleton(name))
    }

    /// The reserved name `name` looks like, nil when it looks like none.
    public static func reservedName(like name: String) -> String? {
        let key = skeleton(name)
        return reserved.sorted().first { skeleton($0) == key }
    }

    /// `name`, or `name2`, `name3`, ... : the first one that `isTaken` does not claim.
    public static func unique(_ name: String, isTaken: (String) -> Bool) -> String {
        guard isTaken(name) else { return name }
        var number = 2
        while true {
            let suffix = String(number)
            var stem = String(name.prefix(maxLength - suffix.count))
            while stem.utf8.count + suffix.utf8.count > maxBytes { stem.removeLast() }
            let candidate = stem + suffix
            if !isTaken(candidate) { return candidate }
            number += 1
        }
    }
}

/// A typed name after `NameRules.clean`, and what cleaning changed.
public struct CleanedName: Sendable, Equatable {
    /// The name; empty when none was given.
    public var name: String
    public var changes: Set<NameAdjustment>

    public init(name: String, changes: Set<NameAdjustment>) {
        self.name = name
        self.changes = changes
    }
}

/// One thing `NameRules.clean` changed in a typed name.
public enum NameAdjustment: String, Sendable, Hashable, CaseIterable {
    /// Invisible or format characters (zero-width spaces, joiners, variation selectors, tags,
    /// soft hyphens, bidirectional marks) were removed.
    case invisible
    /// Control characters were removed.
    case controls
    /// Letters in another form (full-width, mathematical, circled, ligatures, superscripts) were
    /// made plain.
    case compatibility
    /// White space inside was made `_`.
    case spaces
    /// Accents with no letter, or too many on one letter, were removed.
    case marks
    /// It was cut to `NameRules.maxLength` characters or `NameRules.maxBytes` bytes.
    case tooLong
}

import ChatModel
import NIOConcurrencyHelpers

/// What IRC says of a person that the core does not keep: the user name and real name given with
/// `USER`, and an away message. Shared by every IRC connection of a server, keyed by name; a
/// person of another door has none (its name stands for both).
final class IRCPresence: Sendable {
    struct Person: Sendable, Equatable {
        var username: String
        var realName: String
        var away: String?
    }

    private let people = NIOLockedValueBox<[String: Person]>([:])

    /// What is known of `name`, if it came by IRC.
    func person(_ name: String) -> Person? {
        people.withLockedValue { $0[Room.key(name)] }
    }

    /// Sets (nil: forgets) what is known of `name`.
    func set(_ name: String, _ person: Person?) {
        people.withLockedValue { $0[Room.key(name)] = person }
    }

    /// `name`'s away message (nil: back).
    func setAway(_ name: String, _ message: String?) {
        people.withLockedValue { $0[Room.key(name)]?.away = message }
    }

    /// What was known of `old` is known of `new`.
    func rename(from old: String, to new: String) {
        people.withLockedValue { people in
            guard let person = people.removeValue(forKey: Room.key(old)) else { return }
            people[Room.key(new)] = person
        }
    }
}

/// IRC's masks: `*` any characters, `?` one; case is ignored.
enum IRCMask {
    static func matches(_ mask: String, _ name: String) -> Bool {
        matches(Array(mask.lowercased()), Array(name.lowercased()))
    }

    private static func matches(_ mask: [Character], _ name: [Character]) -> Bool {
        var (m, n) = (0, 0)
        var star: (mask: Int, name: Int)?
        while n < name.count {
            if m < mask.count, mask[m] == "?" || mask[m] == name[n] {
                (m, n) = (m + 1, n + 1)
            } else if m < mask.count, mask[m] == "*" {
                star = (m, n)
                m += 1
            } else if let last = star {
                (m, n) = (last.mask + 1, last.name + 1)
                star = (last.mask, last.name + 1)
            } else {
                return false
            }
        }
        while m < mask.count, mask[m] == "*" { m += 1 }
        return m == mask.count
    }
}

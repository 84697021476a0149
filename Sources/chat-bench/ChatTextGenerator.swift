/// Varied, repeatable chat text for the search benchmark: words drawn from a vocabulary with a
/// Zipf-like distribution (a few words everywhere, most rare), some with accents.
struct ChatTextGenerator {
    private var state: UInt64
    let vocabulary: [String]
    private let cumulative: [Double]

    init(seed: UInt64 = 0x5EED, words: Int = 20_000) {
        state = seed
        let common = [
            "the", "a", "is", "to", "and", "deploy", "café", "résumé", "naïve", "build", "test", "friday", "lunch",
            "meeting", "release", "bug", "fix", "server", "crème", "brûlée", "über", "señor", "coffee", "review",
        ]
        var vocabulary = common
        let syllables = [
            "ka", "lo", "mi", "ré", "tu", "sa", "ne", "po", "li", "dé", "ra", "vo", "zi", "qu", "an", "el",
        ]
        var generated = SplitMix(seed: seed ^ 0xABCDEF)
        while vocabulary.count < words {
            let count = 2 + Int(generated.next() % 3)
            vocabulary.append(
                (0..<count).map { _ in syllables[Int(generated.next() % UInt64(syllables.count))] }.joined())
        }
        self.vocabulary = vocabulary
        var total = 0.0
        cumulative = vocabulary.indices.map { rank in
            total += 1 / Double(rank + 1)
            return total
        }
    }

    /// A word, frequent ones more often.
    mutating func word() -> String {
        let target = Double(next() % 1_000_000) / 1_000_000 * cumulative[cumulative.count - 1]
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return vocabulary[low]
    }

    /// A message of 4 to 19 words.
    mutating func message() -> String {
        (0..<(4 + Int(next() % 16))).map { _ in word() }.joined(separator: " ")
    }

    mutating func next() -> UInt64 {
        var mix = SplitMix(seed: state)
        state &+= 0x9E37_79B9_7F4A_7C15
        return mix.next()
    }
}

/// SplitMix64: small, fast, repeatable.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

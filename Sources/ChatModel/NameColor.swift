/// Gives each name the same colour in every run and on every machine: an FNV-1a hash of the
/// name's UTF-8 bytes picks from a palette (Swift's `hashValue` is seeded per process).
public enum NameColor {
    /// ANSI foreground colours that read well on dark and light backgrounds.
    public static let palette: [Int] = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96]

    /// 32-bit FNV-1a.
    public static func fnv1a(_ text: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }

    /// The SGR colour code for `name`.
    public static func code(for name: String) -> Int {
        palette[Int(fnv1a(name) % UInt32(palette.count))]
    }
}

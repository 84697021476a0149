#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which file a path names, whatever the name: the real path (symlinks resolved), device, inode
/// and number of names (hard links).
struct FileIdentity: Equatable {
    let realPath: String
    let device: UInt64
    let inode: UInt64
    let links: Int

    /// The identity of the file at `path`, nil when there is none.
    init?(path: String) {
        guard let resolved = realpath(path, nil) else { return nil }
        realPath = String(cString: resolved)
        free(resolved)
        var info = stat()
        guard stat(realPath, &info) == 0 else { return nil }
        device = UInt64(truncatingIfNeeded: info.st_dev)
        inode = UInt64(truncatingIfNeeded: info.st_ino)
        links = Int(info.st_nlink)
    }

    /// Same device and inode: the same file, under any name.
    func isSameFile(as other: FileIdentity) -> Bool {
        device == other.device && inode == other.inode
    }

    /// The directory holding the real file.
    var directory: String {
        guard let slash = realPath.lastIndex(of: "/") else { return "." }
        return slash == realPath.startIndex ? "/" : String(realPath[..<slash])
    }
}

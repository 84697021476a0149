#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock on a database file, held while a server owns it. It is keyed on the
/// file, not on the name a server was given: an `flock` on `.chatroom-<device>-<inode>.lock` in the
/// directory of the real file (symlinks resolved), so a symlink or a renamed path meets the same
/// lock. The lock file holds the owner's pid, so that a second server can say who has it, and the
/// path it opened, so that a reader can use the same name (see `EventReader.init(path:)`); the
/// owner removes it when it lets go. The kernel drops the lock when the process dies, so `kill -9`
/// never leaves the database locked (only a stale, harmless lock file).
///
/// Why not lock the database file itself: SQLite holds POSIX (`fcntl`) locks on it, which belong to
/// the process and are all dropped when the process closes *any* descriptor of the file, so one
/// more descriptor opened and closed for locking would silently release SQLite's own locks; and on
/// NFS `flock` is emulated with `fcntl` locks, which would collide with SQLite's. A separate file
/// has neither problem.
///
/// A file with more than one name (hard links) is refused (after the lock, so that a second server
/// through a hard link in the same directory hears who runs the first): SQLite names the `-wal` and `-shm`
/// files after the name it was given, so under two names one database gets two logs, and the
/// names may be in different directories, where no lock file keyed on the inode would be found.
final class FileLock: Sendable {
    private let fd: Int32
    /// The lock file.
    let path: String

    /// Locks the database at `databasePath`, which must exist.
    init(databasePath: String) throws(StoreError) {
        // A holder that lets go removes its lock file; if it did so after we opened it, try again.
        for _ in 0..<5 {
            let identity = try Self.identity(of: databasePath)
            let lockPath = Self.lockPath(of: identity)
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard fd >= 0 else {
                throw StoreError(
                    .cannotCreate, path: databasePath,
                    message: "cannot create the lock file \(lockPath): \(String(cString: strerror(errno)))")
            }
            guard Self.lockExclusively(fd) else {
                let pid = Self.readPID(fd)
                close(fd)
                throw StoreError(
                    .inUse(pid: pid), path: databasePath,
                    message: "database is in use by another chat-server" + (pid.map { " (pid \($0))" } ?? ""))
            }
            guard Self.names(fd, lockPath) else {
                close(fd)
                continue
            }
            guard let now = FileIdentity(path: databasePath), now.isSameFile(as: identity) else {
                unlink(lockPath)  // the database was replaced meanwhile: this lock file is for the old one
                close(fd)
                continue
            }
            guard now.links == 1 else {
                unlink(lockPath)
                close(fd)
                throw StoreError(
                    .hardLinked(links: now.links), path: databasePath,
                    message: "database file has \(now.links) names (hard links): two servers could open it under "
                        + "two names, each with its own -wal file, and corrupt it; give a copy with one name")
            }
            self.fd = fd
            self.path = lockPath
            let text = "\(getpid())\n\(now.realPath)\n"
            _ = ftruncate(fd, 0)
            _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
            return
        }
        throw StoreError(
            .busy, path: databasePath, message: "the database file kept being replaced while the server started")
    }

    /// Releases the lock and removes the lock file.
    func unlock() {
        unlink(path)
        _ = flock(fd, LOCK_UN)
        close(fd)
    }

    /// True when a server holds the lock of the database at `databasePath` now, under any name.
    static func isHeld(databasePath: String) -> Bool {
        serverPath(databasePath: databasePath) != nil
    }

    /// The path the server holding the lock of the database at `databasePath` opened (symlinks
    /// resolved), nil when no server holds it; "" when it holds it but did not say.
    static func serverPath(databasePath: String) -> String? {
        guard let identity = FileIdentity(path: databasePath) else { return nil }
        let fd = open(lockPath(of: identity), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        let lines = readText(fd).split(separator: "\n")
        return lines.count > 1 ? String(lines[1]) : ""
    }

    /// The lock file of the database at `databasePath`, nil when there is no such file.
    static func lockPath(databasePath: String) -> String? {
        FileIdentity(path: databasePath).map(lockPath(of:))
    }

    private static func lockPath(of identity: FileIdentity) -> String {
        identity.directory + "/.chatroom-\(identity.device)-\(identity.inode).lock"
    }

    /// The database's identity.
    private static func identity(of databasePath: String) throws(StoreError) -> FileIdentity {
        guard let identity = FileIdentity(path: databasePath) else {
            throw StoreError(
                .cannotCreate, path: databasePath,
                message: "cannot open the database file: \(String(cString: strerror(errno)))")
        }
        return identity
    }

    /// True when `path` still names the file open as `fd` (a holder letting go removes the name).
    private static func names(_ fd: Int32, _ path: String) -> Bool {
        var open = stat()
        var named = stat()
        guard fstat(fd, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }

    /// Takes the lock, waiting up to 100 ms in case a reader is checking it (`isHeld`) right now.
    private static func lockExclusively(_ fd: Int32) -> Bool {
        for _ in 0..<20 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            guard errno == EWOULDBLOCK else { return false }
            usleep(5_000)
        }
        return false
    }

    /// The pid on the first line of the lock file.
    private static func readPID(_ fd: Int32) -> Int32? {
        Int32(String(readText(fd).prefix { $0.isNumber }))
    }

    /// The lock file's text: the owner's pid and the path it opened, a line each.
    private static func readText(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4200)
        let count = pread(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock on `<database>.lock`, held while a server owns the database.
/// It holds the owner's pid, so that a second server can say who has it. The kernel drops the
/// lock when the process dies, so `kill -9` never leaves the database locked.
final class FileLock: @unchecked Sendable {
    private let fd: Int32
    let path: String

    init(databasePath: String) throws(StoreError) {
        path = databasePath + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(
                .cannotCreate, path: databasePath,
                message: "cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard FileLock.lockExclusively(fd) else {
            let pid = FileLock.readPID(fd)
            close(fd)
            throw StoreError(
                .inUse(pid: pid), path: databasePath,
                message: "database is in use by another chat-server" + (pid.map { " (pid \($0))" } ?? ""))
        }
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
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

    /// Releases the lock.
    func unlock() {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }

    /// True when a server holds the lock of `databasePath` now.
    static func isHeld(databasePath: String) -> Bool {
        let fd = open(databasePath + ".lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return Int32(String(text.prefix { $0.isNumber }))
    }
}

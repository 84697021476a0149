#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a read-only connection opens a database file.
///
/// A reader of a WAL database needs the `-shm` file (SQLite creates it, and the `-wal`, when they
/// are missing), so on a read-only mount or a backup snapshot without them a plain read-only open
/// fails with "unable to open database file". There the reader opens the file `immutable`: no
/// locks, no `-wal`, no `-shm`, nothing created. That is only right for a file nobody writes, which
/// is the case when no `-wal`/`-shm` can be created next to it.
enum ReadOnlyAccess: Equatable {
    /// `mode=ro`: reads alongside a running server, through its `-wal` and `-shm`.
    case shared
    /// `immutable=1`: reads the main file alone.
    case immutable

    /// `immutable` only when the directory cannot be written (`access(2)`, which also sees a
    /// read-only mount or `chattr +i`, even for root) and there is no `-shm` file and no
    /// non-empty `-wal` file: everything is in the main file. Otherwise `shared`, and SQLite
    /// says what is wrong.
    static func choose(forDatabaseAt path: String) -> ReadOnlyAccess {
        let identity = FileIdentity(path: path)
        let file = identity?.realPath ?? path
        if access(file + "-shm", F_OK) == 0 { return .shared }
        if access(identity?.directory ?? ".", W_OK) == 0 { return .shared }
        if Checkpointer.fileSize(file + "-wal") > 0 { return .shared }
        return .immutable
    }

    /// The SQLite URI (open with `SQLITE_OPEN_URI`) of the database at `path` in this mode.
    func uri(forDatabaseAt path: String) -> String {
        let file = FileIdentity(path: path)?.realPath ?? path
        var escaped = ""
        for character in file {
            switch character {
            case "%": escaped += "%25"
            case "?": escaped += "%3f"
            case "#": escaped += "%23"
            default: escaped.append(character)
            }
        }
        return "file:" + escaped + (self == .immutable ? "?mode=ro&immutable=1" : "?mode=ro")
    }
}

import ArgumentParser
import ChatCore
import ChatModel
import ChatServer
import ChatStore
import Foundation

/// `--database FILE|postgres://...` (or `--db`) of the account and invite subcommands: the
/// server's default file.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: [.customLong("database"), .customLong("db")],
        help: ArgumentHelp(
            "SQLite database file of the server (created when missing), or the postgres:// address its nodes share.",
            valueName: "file|postgres://user[:password]@host[:port]/database"))
    var database = EventStore.defaultPath

    /// The database's accounts; `mustExist`: an error when there is no such file (instead of making
    /// one; a PostgreSQL database gets its schema when it has none).
    func open(mustExist: Bool = false) throws -> any AccountsBook {
        do {
            let opened = try ServerDatabase(database)
            if mustExist, let path = opened.sqlitePath, !FileManager.default.fileExists(atPath: path) {
                throw CommandFailure("\(path): no such database file")
            }
            return try opened.openAccountsBook()
        } catch let error as StoreError {
            throw CommandFailure("\(error)")
        }
    }
}

/// A clear one-line error: `chat-server: <message>` on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }

    /// Runs `body`, turning a failure into the one line and exit status 1.
    static func report(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CommandFailure {
            FileHandle.standardError.write(Data("chat-server: \(error.message)\n".utf8))
            throw ExitCode(1)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("chat-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `chat-server account ...`: registered names, kept in the server's database.
struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Register names, set operators, change passwords (also while the server runs).",
        discussion: """
            A registered name can only be used with its password; names that look alike (`ALICE`, \
            `аlice` with a Cyrillic а) are the same name. Passwords are read from the terminal without \
            echo, or one line from stdin with --password-stdin (or when stdin is not a terminal); only \
            their scrypt hash is stored.
            """,
        subcommands: [Add.self, Op.self, Deop.self, Passwd.self, Remove.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a name, with a password.")

        @Argument(help: "The name, cleaned as the server cleans a typed name.")
        var name: String

        @Flag(name: .customLong("op"), help: "Make it an operator (may kick, ban and mute).")
        var isOperator = false

        @Flag(help: "Read the password as one line from stdin instead of the terminal.")
        var passwordStdin = false

        @OptionGroup var options: DatabaseOption

        func run() throws {
            try CommandFailure.report {
                let cleaned = NameRules.clean(name)
                guard !cleaned.name.isEmpty else { throw CommandFailure("the name is empty") }
                if let reserved = NameRules.reservedName(like: cleaned.name) {
                    throw CommandFailure("the name \(cleaned.name) is reserved (it looks like \(reserved))")
                }
                let book = try options.open()
                defer { book.close() }
                let skeleton = NameRules.skeleton(cleaned.name)
                if let existing = try book.account(skeleton: skeleton) {
                    throw CommandFailure(
                        existing.name == cleaned.name
                            ? "the name \(cleaned.name) is already registered"
                            : "the name \(cleaned.name) is already registered (as \(existing.name), which looks the same)"
                    )
                }
                let password = try PasswordInput.read(for: cleaned.name, fromStdin: passwordStdin, confirm: true)
                let hash = try PasswordInput.hasher.hash(password)
                do {
                    try book.add(
                        Account(
                            name: cleaned.name, skeleton: skeleton, passwordHash: hash,
                            role: isOperator ? .operator : .member, createdMillis: currentTimeMillis()))
                } catch let error as StoreError where error.kind == .alreadyRegistered {
                    throw CommandFailure(error.message)
                }
                if cleaned.name != name {
                    FileHandle.standardError.write(Data("chat-server: \(name) was cleaned to \(cleaned.name)\n".utf8))
                }
                print("account \(cleaned.name) added" + (isOperator ? " (operator)" : ""))
            }
        }
    }

    struct Op: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a registered name an operator.")

        @Argument(help: "The registered name.")
        var name: String

        @OptionGroup var options: DatabaseOption

        func run() throws {
            try CommandFailure.report { try setRole(.operator, of: name, options: options) }
        }
    }

    struct Deop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an operator a plain member again.")

        @Argument(help: "The registered name.")
        var name: String

        @OptionGroup var options: DatabaseOption

        func run() throws {
            try CommandFailure.report { try setRole(.member, of: name, options: options) }
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a registered name's password.")

        @Argument(help: "The registered name.")
        var name: String

        @Flag(help: "Read the password as one line from stdin instead of the terminal.")
        var passwordStdin = false

        @OptionGroup var options: DatabaseOption

        func run() throws {
            try CommandFailure.report {
                let book = try options.open(mustExist: true)
                defer { book.close() }
                let account = try existing(name, in: book)
                let password = try PasswordInput.read(for: account.name, fromStdin: passwordStdin, confirm: true)
                let hash = try PasswordInput.hasher.hash(password)
                guard try book.setPasswordHash(hash, skeleton: account.skeleton) else {
                    throw CommandFailure("no account \(name)")
                }
                print("password of \(account.name) changed")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a registered name (anyone may then use it).")

        @Argument(help: "The registered name.")
        var name: String

        @OptionGroup var options: DatabaseOption

        func run() throws {
            try CommandFailure.report {
                let book = try options.open(mustExist: true)
                defer { book.close() }
                let account = try existing(name, in: book)
                guard try book.remove(skeleton: account.skeleton) else { throw CommandFailure("no account \(name)") }
                print("account \(account.name) removed")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the registered names: role, created, last login (UTC).")

        @OptionGroup var options: DatabaseOption

        func run() throws {
            try CommandFailure.report {
                let book = try options.open(mustExist: true)
                defer { book.close() }
                let accounts = try book.accounts()
                guard !accounts.isEmpty else {
                    print("no accounts")
                    return
                }
                let rows =
                    [["NAME", "ROLE", "CREATED (UTC)", "LAST LOGIN (UTC)"]]
                    + accounts.map { account in
                        [
                            TextSanitizer.clean(account.name), account.role.rawValue,
                            Timestamp.readable(account.createdMillis),
                            account.lastLoginMillis.map { Timestamp.readable($0) } ?? "never",
                        ]
                    }
                let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
                for row in rows {
                    let cells = row.enumerated().map { column, cell in
                        column == 3 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
                    }
                    print(cells.joined(separator: "  "))
                }
            }
        }
    }
}

/// The account registered under `name` (or a name that looks the same); a clear error when none.
private func existing(_ name: String, in book: any AccountsBook) throws -> Account {
    guard let account = try book.account(skeleton: NameRules.skeleton(name)) else {
        throw CommandFailure("no account \(name)")
    }
    return account
}

private func setRole(_ role: AccountRole, of name: String, options: DatabaseOption) throws {
    let book = try options.open(mustExist: true)
    defer { book.close() }
    let account = try existing(name, in: book)
    guard try book.setRole(role, skeleton: account.skeleton) else { throw CommandFailure("no account \(name)") }
    print(role == .operator ? "\(account.name) is an operator" : "\(account.name) is a member")
}

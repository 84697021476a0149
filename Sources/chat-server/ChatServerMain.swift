import ArgumentParser
import ChatProtocol

@main
enum ChatServerMain {
    static func main() async {
        await ChatServerCommand.main()
    }
}

/// `chat-server`: runs the server (`serve`, the default: `chat-server --port 0` is
/// `chat-server serve --port 0`), or manages the database's accounts and invites.
struct ChatServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-server",
        abstract: "A chat room that records everything in SQLite.",
        discussion: """
            Without a subcommand it runs the server (`serve`): `chat-server --port 7070` is \
            `chat-server serve --port 7070`; `chat-server serve --help` lists the server's options. \
            `account` and `invite` manage registered names and invites in the same database, \
            also while a server runs on it.

            Examples:
              chat-server
              chat-server --host 0.0.0.0 --port 7070 --database class.sqlite
              chat-server account add alice --op
              chat-server invite create --uses 30 --expires 2d
            """,
        version: chatroomVersion,
        subcommands: [ServerCommand.self, AccountCommand.self, InviteCommand.self],
        defaultSubcommand: ServerCommand.self)
}

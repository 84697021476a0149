import ChatServer

@main
enum ChatServerMain {
    static func main() async {
        await ServerCommand.main()
    }
}

import ChatClient

@main
enum ChatClientMain {
    static func main() async {
        await ClientCommand.main()
    }
}

import ChatReplay

await ChatReplayCommand.runAndExit()

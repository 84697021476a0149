/// This chatroom's version, sent in every welcome and recorded with every session.
public let chatroomVersion = "0.1.0"

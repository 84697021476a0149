/// This chatroom's version, sent in every welcome and recorded with every session.
public let chatroomVersion = "0.1.0"

/// The TCP port a chat server listens on unless told otherwise, and where clients look for it.
public let chatroomDefaultPort = 7070

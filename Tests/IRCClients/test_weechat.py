"""chat-server's IRC door with a real IRC client: WeeChat (Debian's weechat-headless) and an nc-style
plain-text client in one room, each test with a chat-server process of its own.

Run with scripts/irc-client-tests, or directly:
    CHAT_SERVER=.build/debug/chat-server python3 -m unittest discover -s Tests/IRCClients -v
"""
import datetime
import re
import shutil
import time
import unittest

from harness import ARTIFACTS, NICK_MODES, ChatServer, PlainClient, RawIRCLog, WeeChat, temporary_database

# The visible time a history line carries for a client that takes no tags (neither server-time nor
# message-tags, either of which brings `@time=`): `[17:02] text` (a date before it, or seconds, are accepted too).
TIME_PREFIX = r"\[(\d{4}-\d\d-\d\d )?\d\d:\d\d(:\d\d)?\] "


class IRCClientTestCase(unittest.TestCase):
    """Starts what a test needs and always stops it: WeeChat gets SIGTERM, the server too."""

    def setUp(self):
        self.name = self.id().rsplit(".", 1)[-1]
        self.database = temporary_database(self.name)
        self.addCleanup(shutil.rmtree, self.database.parent, True)
        self.server = ChatServer(self.database, log_name=f"{self.name}.server")
        self.addCleanup(self.server.stop)

    def plain_client(self, name):
        client = PlainClient(self.server.port, name)
        self.addCleanup(client.close)
        return client

    def weechat(self, nick, channel, capabilities="*"):
        raw = RawIRCLog(self.server.irc_port, ARTIFACTS / f"{self.name}.{nick}.raw-irc.log")
        self.addCleanup(raw.close)
        client = WeeChat(raw.port, nick, channel, capabilities=capabilities, name=f"{self.name}.{nick}", raw=raw)
        self.addCleanup(client.stop)
        return client

    def enabled_capabilities(self, weechat):
        """What the server acknowledged to WeeChat: the words of its `CAP <nick> ACK :...` lines."""
        enabled = set()
        for line in weechat.raw.lines("S"):
            words = line.split(" ")
            while words and words[0][:1] in ("@", ":"):  # tags, source
                words = words[1:]
            if len(words) >= 3 and words[0] == "CAP" and words[2] == "ACK":
                enabled.update(word.lstrip(":") for word in words[3:] if not word.lstrip(":").startswith("-"))
        return enabled

    def say_before(self, alice, texts):
        """alice says `texts` in her current room, each echoed back to her, before any IRC client is there."""
        for text in texts:
            mark = len(alice.lines())
            alice.send(text)
            alice.wait_for(lambda line, text=text: line == f"alice: {text}", f"the echo of {text!r}", after=mark)

    def history_seen(self, weechat, texts, tagged):
        """The history as WeeChat shows it: each text once, from alice, in order; with a visible time
        in front of the text when the client takes no tags."""
        messages = weechat.messages()
        shown = []
        for text in texts:
            pattern = re.escape(text) if tagged else TIME_PREFIX + re.escape(text)
            matching = [i for i, (nick, message) in enumerate(messages)
                        if nick == "alice" and re.fullmatch(pattern, message)]
            self.assertEqual(len(matching), 1,
                             f"history line {text!r} ({'as is, tags on' if tagged else 'a visible time first'})"
                             f" shown {len(matching)} times by WeeChat; {weechat.describe()}")
            shown.append(matching[0])
        self.assertEqual(shown, sorted(shown), f"history out of order in WeeChat: {messages}")

    def assert_history_shown_at_its_time(self, weechat, texts):
        """Each history line's `@time=` (the raw line from the server) is the time WeeChat shows it at,
        not the time of the join (which came over a second later)."""
        joined = [date for date, prefix, message in weechat.dated_log(weechat.channel)
                  if prefix == "-->" and message.startswith(f"{weechat.nick} ")][0]
        for text in texts:
            raw = [line for line in weechat.raw.lines("S") if line.endswith(f" PRIVMSG {weechat.channel} :{text}")]
            self.assertEqual(len(raw), 1, f"history line {text!r} sent {len(raw)} times: {raw}")
            tag = re.match(r"@(?:\S*;)?time=([0-9T:.-]+)Z[; ]", raw[0])
            self.assertIsNotNone(tag, f"history line without @time= for a client with tags: {raw[0]!r}")
            said = datetime.datetime.fromisoformat(tag.group(1)).strftime("%Y-%m-%d %H:%M:%S")
            dates = [date for date, prefix, message in weechat.dated_log(weechat.channel)
                     if prefix.lstrip(NICK_MODES) == "alice" and message == text]
            self.assertEqual(dates, [said], f"WeeChat shows {text!r} at {dates}, said at {said} ({raw[0]!r})")
            self.assertNotEqual(said, joined, "the history's time is the join's: the test did not wait long enough")


class WeeChatTests(IRCClientTestCase):

    def test_a_history_then_messages_both_ways(self):
        """WeeChat as a user has it (every capability it may have): joins #dev after alice (nc) spoke
        there, sees those lines as history, then each sees the other's live message."""
        alice = self.plain_client("alice")
        alice.join("dev")
        earlier = ["before any IRC client, one", "before any IRC client, two: <b>not bold</b> & more"]
        self.say_before(alice, earlier)
        time.sleep(1.1)  # not a synchronisation: the history's time and the join's differ by a second

        bob = self.weechat("bob", "#dev")
        bob.wait_joined()
        mark = len(alice.lines())
        alice.send("/who dev")
        alice.wait_for(lambda line: line.startswith("In #dev (2):") and "bob" in line, "/who dev with bob in it",
                       after=mark, context=bob.describe)
        tagged = bool(self.enabled_capabilities(bob) & {"server-time", "message-tags"})
        bob.wait(lambda: all(any(text in m for n, m in bob.messages() if n == "alice") for text in earlier),
                 f"history {earlier} from alice")
        self.history_seen(bob, earlier, tagged)
        if tagged:
            self.assert_history_shown_at_its_time(bob, earlier)

        mark = len(alice.lines())
        bob.say("hello from WeeChat")
        alice.wait_for(lambda line: line == "bob: hello from WeeChat", "bob's message as `bob: text`", after=mark,
                       context=bob.describe)

        alice.send("hello from nc")
        bob.wait_log("#dev", lambda prefix, message: prefix.lstrip(NICK_MODES) == "alice" and message == "hello from nc",
                     "alice's live message `hello from nc` in #dev")
        live = [m for n, m in bob.messages() if n == "alice"]
        self.assertEqual(live[-1], "hello from nc", f"alice's live line is not the last of hers: {live}")
        own = [m for n, m in bob.messages() if n == "bob"]
        self.assertEqual(own.count("hello from WeeChat"), 1,
                         f"WeeChat shows its own message {own.count('hello from WeeChat')} times: {own}")

    def test_b_history_with_a_visible_time_for_a_client_without_tags(self):
        """A client that takes neither server-time nor message-tags: the history lines carry their
        time in the text, `[17:02] said at some time`, and no tags."""
        alice = self.plain_client("alice")
        alice.join("dev")
        earlier = ["said at some time", "said a little later"]
        self.say_before(alice, earlier)

        bob = self.weechat("bob", "#dev", capabilities="*,!server-time,!message-tags")
        bob.wait_joined()
        enabled = self.enabled_capabilities(bob)
        self.assertFalse(enabled & {"server-time", "message-tags"}, f"tags were enabled all the same: {enabled}")
        bob.wait(lambda: all(any(m.endswith(text) for n, m in bob.messages() if n == "alice") for text in earlier),
                 f"history {earlier} from alice")
        self.history_seen(bob, earlier, tagged=False)
        tagged_lines = [line for line in bob.raw.lines("S") if line.startswith("@")]
        self.assertEqual(tagged_lines, [], "tags sent to a client that took neither server-time nor message-tags")

    def test_d_history_at_its_time_for_a_client_with_message_tags_only(self):
        """WeeChat without server-time but with message-tags: the server sends `@time=` (message-tags
        brings every tag), no time in the text, and WeeChat shows each line at the time it was said."""
        alice = self.plain_client("alice")
        alice.join("dev")
        earlier = ["tagged one", "tagged two"]
        self.say_before(alice, earlier)
        time.sleep(1.1)  # not a synchronisation: the history's time and the join's differ by a second

        bob = self.weechat("bob", "#dev", capabilities="*,!server-time")
        bob.wait_joined()
        enabled = self.enabled_capabilities(bob)
        self.assertIn("message-tags", enabled, "the server did not take message-tags")
        self.assertNotIn("server-time", enabled, "server-time was enabled all the same")
        bob.wait(lambda: all(any(m.endswith(text) for n, m in bob.messages() if n == "alice") for text in earlier),
                 f"history {earlier} from alice")
        self.history_seen(bob, earlier, tagged=True)
        self.assert_history_shown_at_its_time(bob, earlier)

    def test_c_nick_change_and_quit_seen_by_the_nc_client(self):
        """WeeChat's /nick is a rename in the room; its /quit is a leave on purpose, not a lost connection."""
        alice = self.plain_client("alice")
        alice.join("dev")
        bob = self.weechat("bob", "#dev")
        bob.wait_joined()

        mark = len(alice.lines())
        bob.command("server", "/nick bobby")
        alice.wait_for(lambda line: line == "bob is now known as bobby", "the rename `bob is now known as bobby`",
                       after=mark, context=bob.describe)
        bob.wait_log("server", lambda prefix, message: message == "You are now known as bobby",
                     "WeeChat's own `You are now known as bobby`")

        mark = len(alice.lines())
        bob.say("a line under the new name")
        alice.wait_for(lambda line: line == "bobby: a line under the new name", "`bobby: ...`", after=mark,
                       context=bob.describe)

        mark = len(alice.lines())
        bob.command("server", "/quit off for lunch")
        bob.wait_exit()
        leave = alice.wait_for(lambda line: line.startswith("bobby left"), "bobby's leave", after=mark,
                               context=bob.describe)
        self.assertEqual(leave, "bobby left the chat",
                         f"WeeChat's /quit is not a plain leave; raw IRC:\n{bob.raw.tail()}")
        quits = [line for line in bob.raw.lines("C") if line.startswith("QUIT")]
        self.assertTrue(quits, f"WeeChat sent no QUIT; raw IRC:\n{bob.raw.tail()}")


if __name__ == "__main__":
    unittest.main(verbosity=2)

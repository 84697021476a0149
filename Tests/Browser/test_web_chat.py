"""The web window in a real browser (issue 15, "Must show"): headless chromium through Selenium against
a chat-server process of its own per test, beside a plain-text (nc-style) client.

Run with scripts/browser-tests (it builds chat-server first), or directly:
    CHAT_SERVER=.build/debug/chat-server python3 -m unittest discover -s Tests/Browser -v
"""
import time
import unittest

from selenium.common.exceptions import NoAlertPresentException, UnexpectedAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from harness import RECONNECT, WAIT, Browser, ChatServer, PlainClient, temporary_database

# Records every value #status[data-state] takes, so that a short "disconnected" between two
# "connecting" of the reconnect loop is not missed by polling.
WATCH_STATUS = """
window.__statusStates = [];
const status = document.querySelector('#status');
if (status) window.__statusStates.push(status.dataset.state);
new MutationObserver(() => {
  const s = document.querySelector('#status');
  if (s) window.__statusStates.push(s.dataset.state);
}).observe(document.body, {attributes: true, subtree: true, childList: true, attributeFilter: ['data-state']});
"""


class WebChatTestCase(unittest.TestCase):
    """Starts what a test needs and always stops it: browsers quit, servers get SIGTERM."""

    def setUp(self):
        self.name = self.id().rsplit(".", 1)[-1]
        self.database = temporary_database(self.name)
        self.servers = 0

    def start_server(self, port=0, http_port=None, extra=(), web=True):
        self.servers += 1
        server = ChatServer(self.database, port=port, http_port=http_port, extra=extra, web=web,
                            log_name=f"{self.name}.server{self.servers}")
        self.addCleanup(server.stop)
        return server

    def open_browser(self, server, person):
        browser = Browser(server, person)
        self.addCleanup(browser.quit)
        self.addCleanup(browser.save_console, self.name)
        return browser

    def plain_client(self, server, name):
        client = PlainClient(server.port, name)
        self.addCleanup(client.close)
        return client

    def assert_exactly_once(self, browser, texts):
        shown = browser.texts()
        for text in texts:
            self.assertEqual(shown.count(text), 1, f"{browser.person}'s browser shows {text!r} "
                                                   f"{shown.count(text)} times: {shown}")

    def assert_ids_unique_and_increasing(self, browser):
        ids = [int(e["id"]) for e in browser.events() if (e["id"] or "").isdigit()]
        self.assertEqual(len(ids), len(set(ids)), f"{browser.person}'s browser shows an event twice: {ids}")
        self.assertEqual(ids, sorted(ids), f"{browser.person}'s browser shows events out of id order: {ids}")


class WebChatTests(WebChatTestCase):

    def test_a_sign_in_screen_and_two_people_chatting(self):
        """The sign-in screen, then two people chatting: the screenshots the README shows."""
        server = self.start_server()
        alice = self.open_browser(server, "alice")
        alice.wait(lambda: alice.displayed("#signin"), "sign-in screen")
        self.assertFalse(alice.displayed("#chat"), "the chat screen is shown before joining")
        alice.screenshot("sign-in")
        alice.sign_in("alice")
        bob = self.open_browser(server, "bob")
        bob.sign_in("bob")
        conversation = [
            (alice, "Hi Bob! Can you read me without a terminal?"),
            (bob, "Loud and clear, Alice. A browser tab is all I needed."),
            (alice, "And the nc people see us too, in the same order."),
            (bob, "Great, see you at the meeting at three."),
        ]
        for person, text in conversation:
            person.say(text)
            for browser in (alice, bob):
                browser.wait_text(text)
        for browser in (alice, bob):
            browser.wait_members(["alice", "bob"])
        self.assertEqual(alice.messages(), bob.messages())
        self.assertEqual([(name, text) for _, name, text in bob.messages()],
                         [(person.person, text) for person, text in conversation])
        bob.screenshot("chat-two-people")

    def test_b_two_browsers_and_a_plain_client_see_the_same_messages_in_the_same_order(self):
        server = self.start_server()
        alice = self.open_browser(server, "alice")
        alice.sign_in("alice")
        bob = self.open_browser(server, "bob")
        bob.sign_in("bob")
        carol = self.plain_client(server, "carol")
        names = ["alice", "bob", "carol"]
        for browser in (alice, bob):
            browser.wait_members(names)
        carol.send("/who")
        carol.wait_for(lambda line: line.startswith("In the room (3):") and all(n in line for n in names),
                       "/who listing all three")

        # Interleaved, without waiting in between: the server decides one order, everyone sees it.
        sent = []
        for round in range(3):
            for who in names:
                text = f"{who} says {round}"
                sent.append(text)
                if who == "carol":
                    carol.send(text)
                else:
                    (alice if who == "alice" else bob).say(text)
        for browser in (alice, bob):
            browser.wait_texts(sent)
        carol.wait_for(lambda line: line == "carol: carol says 2", "its own last message")
        for text in sent:
            carol.wait_for(lambda line, text=text: line.endswith(": " + text), f"message {text!r}")

        seen_by_alice = [m for m in alice.messages() if m[2] in sent]
        seen_by_bob = [m for m in bob.messages() if m[2] in sent]
        self.assertEqual(len(seen_by_alice), len(sent), seen_by_alice)
        self.assertEqual(seen_by_alice, seen_by_bob, "the two browsers differ in ids, names, texts or order")
        for _, name, text in seen_by_alice:
            self.assertEqual(name, text.split(" ")[0], f"{text!r} shown as sent by {name!r}")
        seen_by_carol = [m for m in carol.messages(names) if m[1] in sent]
        self.assertEqual(seen_by_carol, [(name, text) for _, name, text in seen_by_alice],
                         "the plain client's order differs from the browsers'")
        for browser in (alice, bob):
            self.assert_ids_unique_and_increasing(browser)

    def test_c_history_on_sign_in(self):
        server = self.start_server()
        carol = self.plain_client(server, "carol")
        earlier = ["first, before anyone had a browser", "second <b>not bold</b>", "third & last"]
        for text in earlier:
            carol.send(text)
        carol.wait_for(lambda line: line == "carol: " + earlier[-1], "its own last message")

        alice = self.open_browser(server, "alice")
        alice.sign_in("alice")
        alice.wait_texts(earlier)
        shown = {e["text"]: e for e in alice.events() if e["kind"] == "message"}
        for text in earlier:
            self.assertTrue(shown[text]["history"], f"{text!r} is not marked as history: {shown[text]}")
            self.assertEqual(shown[text]["name"] and shown[text]["name"].strip("<>: "), "carol")
        self.assertEqual([t for t in alice.texts() if t in earlier], earlier, "history out of order")
        self.assert_exactly_once(alice, earlier)

        carol.send("and now live")
        alice.wait_text("and now live")
        live = [e for e in alice.events() if e["text"] == "and now live"]
        self.assertFalse(live[0]["history"], "a live message is marked as history")
        self.assert_ids_unique_and_increasing(alice)

    def test_d_server_restart_both_browsers_reconnect_nothing_missed_nothing_twice(self):
        server = self.start_server()
        alice = self.open_browser(server, "alice")
        alice.sign_in("alice")
        bob = self.open_browser(server, "bob")
        bob.sign_in("bob")
        carol = self.plain_client(server, "carol")
        for browser in (alice, bob):
            browser.wait_members(["alice", "bob", "carol"])

        before = ["alice before the restart", "bob before the restart"]
        alice.say(before[0])
        bob.say(before[1])
        for browser in (alice, bob):
            browser.wait_texts(before)
        # Stored (carol has its echo) just before the stop: a browser may get it live or on resume.
        just_before = "carol just before the restart"
        carol.send(just_before)
        carol.wait_for(lambda line: line == "carol: " + just_before, "its own message")

        for browser in (alice, bob):
            browser.driver.execute_script(WATCH_STATUS)
        port, http_port = server.port, server.http_port
        status = server.stop()
        self.assertEqual(status, 0, f"chat-server exit status after SIGTERM: {server.log_tail()}")
        carol.wait_closed()
        for browser in (alice, bob):
            browser.wait(lambda b=browser: "disconnected" in b.driver.execute_script(
                "return window.__statusStates || []"), "#status[data-state=disconnected] after the stop")
        # Typed while the server is away: must still be there once reconnected.
        draft = "typed while the server was down"
        alice.type(draft)
        try:
            alice.wait_status("disconnected", timeout=5)  # the banner, for the screenshot
        except AssertionError:
            pass  # the page may be between two attempts ("connecting"): the states above were checked
        alice.screenshot("disconnected")
        self.assertEqual(alice.entry_value(), draft)

        # While the browsers are away: a run of the server without its web port, on the same record,
        # where carol says something. The browsers can only get it in their resume catch-up.
        chat_only = self.start_server(port=port, web=False)
        carol = self.plain_client(chat_only, "carol")
        while_away = "carol while the browsers were away"
        carol.send(while_away)
        carol.wait_for(lambda line: line == "carol: " + while_away, "its own message while the browsers were away")
        self.assertEqual(chat_only.stop(), 0, f"exit status after SIGTERM: {chat_only.log_tail()}")
        carol.wait_closed()

        restarted = self.start_server(port=port, http_port=http_port)
        self.assertEqual((restarted.port, restarted.http_port), (port, http_port))
        # The plain client is back first, and speaks at once: the browsers, when still waiting out
        # their reconnect delay, get this one in their catch-up too, else live.
        carol = self.plain_client(restarted, "carol")
        after = ["carol after the restart", "bob after the restart", draft]
        carol.send(after[0])
        carol.wait_for(lambda line: line == "carol: " + after[0], "its own message after the restart")
        states_then = {b.person: b.status() for b in (alice, bob)}
        for browser in (alice, bob):
            browser.wait_status("connected", timeout=RECONNECT)
        self.assertEqual(alice.entry_value(), draft, "the text typed while disconnected was lost")

        bob.say(after[1])
        alice.find("#entry").send_keys(Keys.ENTER)
        everything = before + [just_before, while_away] + after
        for browser in (alice, bob):
            browser.wait_texts(everything, timeout=WAIT)
        alice.wait(lambda: alice.entry_value() == "", "#entry emptied once the draft was sent")
        carol.wait_for(lambda line: line.endswith(": " + draft), "alice's draft sent after the restart")
        for browser in (alice, bob):
            self.assert_exactly_once(browser, everything)
            self.assert_ids_unique_and_increasing(browser)
        ours = lambda b: [m for m in b.messages() if m[2] in everything]  # noqa: E731
        self.assertEqual(ours(alice), ours(bob), "the browsers differ after the restart")
        for browser in (alice, bob):
            shown = [e for e in browser.events() if e["text"] == while_away]
            self.assertTrue(shown[0]["history"], f"{browser.person}'s browser: {while_away!r} not from the catch-up")
        caught_up = [b.person for b in (alice, bob)
                     if any(e["text"] == after[0] and e["history"] for e in b.events())]
        print(f"\n    (states when carol spoke after the restart: {states_then}; "
              f"got it in the catch-up: {caught_up or 'neither, both live'})", end=" ", flush=True)

    def test_e_markup_from_one_user_is_shown_as_text_to_the_other(self):
        try:
            self.markup_shown_as_text()
        except UnexpectedAlertPresentException as alert:  # chromedriver reports an alert on the next command
            self.fail(f"a message ran as script: an alert opened ({alert.alert_text!r})")

    def markup_shown_as_text(self):
        server = self.start_server()
        alice = self.open_browser(server, "alice")
        alice.sign_in("alice")
        bob = self.open_browser(server, "bob")
        bob.sign_in("bob")
        hostile = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                   "<b>bold?</b> &amp; <a href=\"javascript:alert(1)\">link</a>"]
        for text in hostile:
            alice.say(text)
        for browser in (bob, alice):  # three messages from alice, whatever they show: then compare
            browser.wait(lambda b=browser: len([m for m in b.messages() if m[1] == "alice"]) >= len(hostile),
                         "alice's three messages")
            self.assertEqual([m[2] for m in browser.messages() if m[1] == "alice"], hostile,
                             f"{browser.person}'s browser does not show the typed text as it was typed")
        time.sleep(0.5)  # give an onerror handler (if the page ever let one in) the time to fire
        for browser in (bob, alice):
            with self.assertRaises(NoAlertPresentException, msg=f"an alert in {browser.person}'s browser"):
                browser.driver.switch_to.alert
            texts = [e["text"] for e in browser.events() if e["kind"] == "message"]
            for text in hostile:
                self.assertIn(text, texts)
            for tag in ("img", "script", "b", "a"):
                inside = browser.driver.find_elements(By.CSS_SELECTOR, f"#messages .text {tag}")
                self.assertEqual(inside, [], f"a <{tag}> element made from a message in {browser.person}'s page")
            self.assertEqual(browser.driver.find_elements(By.CSS_SELECTOR, "#messages img"), [])

    def test_f_a_message_over_the_limit_is_refused_visibly_and_reaches_nobody(self):
        server = self.start_server(extra=["--max-message-bytes", "200"])
        alice = self.open_browser(server, "alice")
        alice.sign_in("alice")
        bob = self.open_browser(server, "bob")
        bob.sign_in("bob")
        carol = self.plain_client(server, "carol")
        for browser in (alice, bob):
            browser.wait_members(["alice", "bob", "carol"])

        too_long = "too long: " + "x" * 240  # 250 bytes, over 200
        alice.say(too_long)
        alice.wait(lambda: alice.errors(), "a visible .error in #errors")
        alice.screenshot("error")
        self.assertEqual(alice.entry_value(), too_long, "the refused text is not kept in #entry")

        # Multi-byte: 120 characters, 240 bytes: over the limit in bytes, not in characters.
        alice.clear_entry()
        before = alice.error_elements()
        wide = "é" * 120
        alice.say(wide)
        try:  # a new error element, or new words in the old one
            alice.wait(lambda: alice.error_elements() - before, "a new .error for 240 bytes in 120 characters",
                       timeout=5)
        except AssertionError:  # the page may show the same words again in the same element: a visible one will do
            alice.wait(lambda: alice.errors(), "a visible .error for 240 bytes in 120 characters")
        self.assertEqual(alice.entry_value(), wide, "the refused text is not kept in #entry")

        # Then a short one from the same connection: whoever sees it would have seen the long one before.
        alice.clear_entry()
        short = "a short one after the long one"
        alice.say(short)
        for browser in (alice, bob):
            browser.wait_text(short)
        carol.wait_for(lambda line: line == "alice: " + short, "the short message")
        for browser in (alice, bob):
            self.assertNotIn(too_long, browser.texts())
            self.assertNotIn(wide, browser.texts())
        self.assertFalse(any("x" * 100 in line or wide in line for line in carol.lines()),
                         "the plain client got the refused message")

    def test_g_rooms_unread_counts_private_messages_and_a_phone_in_the_dark(self):
        """Rooms with unread counts and a private conversation, then the page on a phone-sized
        window with the system's dark scheme."""
        server = self.start_server()
        alice = self.open_browser(server, "alice")
        alice.sign_in("alice")
        bob = self.open_browser(server, "bob")
        bob.sign_in("bob")
        carol = self.plain_client(server, "carol")
        alice.wait_members(["alice", "bob", "carol"])

        room = lambda browser, key: f'#rooms li[data-room="{key}"]'
        unread = lambda browser, key: "".join(
            e.text for e in browser.driver.find_elements(By.CSS_SELECTOR, room(browser, key) + " .unread"))

        # alice joins #dev, where carol (plain) speaks; alice reads it there.
        alice.say("/join dev")
        alice.wait(lambda: alice.displayed(room(alice, "dev")), "#dev in the rooms list")
        carol.send("/join dev")
        carol.wait_for(lambda line: line.startswith("*** You are in #dev now"), "carol in #dev")
        carol.send("hello dev")
        alice.wait_text("hello dev")

        # Back in #main, a message in #dev is counted as unread, not shown.
        alice.find(room(alice, "main") + " button").click()
        alice.wait(lambda: "hello dev" not in alice.texts(), "#main on screen")
        carol.send("while you were away")
        alice.wait(lambda: unread(alice, "dev") == "1", "an unread count of 1 on #dev")
        self.assertNotIn("while you were away", alice.texts())

        # A private message from bob: its own conversation, counted too.
        bob.say("/msg alice psst, only you can read this")
        alice.wait(lambda: alice.displayed(room(alice, "@bob")), "a conversation with bob in the list")
        alice.wait(lambda: unread(alice, "@bob") == "1", "an unread count of 1 on @bob")
        alice.screenshot("rooms-unread")
        alice.find(room(alice, "@bob") + " button").click()
        alice.wait_text("psst, only you can read this")
        alice.wait(lambda: unread(alice, "@bob") == "", "the count gone once read")
        alice.find(room(alice, "dev") + " button").click()
        alice.wait_text("while you were away")
        alice.wait(lambda: unread(alice, "dev") == "", "#dev's count gone once read")

        # A phone-sized window in the dark: the page follows the system's scheme and still chats
        # (in #main: bob's /msg put him in his conversation with alice).
        bob.find(room(bob, "main") + " button").click()
        background = "return getComputedStyle(document.body).backgroundColor"
        light = bob.driver.execute_script(background)
        bob.driver.set_window_size(390, 844)
        bob.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        bob.wait(lambda: bob.driver.execute_script(background) != light, "a dark background")
        width = bob.driver.execute_script("return document.documentElement.clientWidth")
        entry = bob.find("#entry")
        self.assertTrue(entry.is_displayed(), "the entry field is hidden on a phone-sized window")
        self.assertLessEqual(entry.rect["x"] + entry.rect["width"], width + 1, "the entry field overflows")
        overflow = bob.driver.execute_script("return document.documentElement.scrollWidth")
        self.assertLessEqual(overflow, width + 1, "the page scrolls sideways on a phone-sized window")
        bob.say("typed on a phone")
        alice.find(room(alice, "main") + " button").click()
        alice.wait_text("typed on a phone")
        bob.screenshot("phone-dark")

    def test_h_search_shows_dated_results_with_the_matches_marked_and_markup_as_text(self):
        server = self.start_server()
        carol = self.plain_client(server, "carol")
        said = ["the <b>Déploy</b> notes are in the wiki", "notes without the other word"]
        for text in said:
            carol.send(text)
        carol.wait_for(lambda line: line == "carol: " + said[-1], "its own last message")
        alice = self.open_browser(server, "alice")
        alice.sign_in("alice")
        alice.wait_texts(said)

        def results():
            return alice.driver.find_elements(By.CSS_SELECTOR, "#messages li.search-result")

        # The index follows the record a moment behind (it waits for the writer to be quiet):
        # ask again, a bounded number of times, until it has caught up.
        for _ in range(10):
            alice.say("/search deploy NOTES")
            try:
                alice.wait(lambda: results(), "a search result", timeout=2)
                break
            except AssertionError:
                continue
        found = results()
        self.assertEqual(len(found), 1, f"one message holds both words: {[r.text for r in found]}")
        hit = found[0]
        self.assertIn("#main", hit.text)
        self.assertIn("carol", hit.text)
        self.assertRegex(hit.find_element(By.CSS_SELECTOR, "time").text, r"^\d{2}:\d{2}$")
        self.assertRegex(hit.find_element(By.CSS_SELECTOR, ".date").text, r"^\d{4}-\d{2}-\d{2}$")
        marks = [m.text for m in hit.find_elements(By.CSS_SELECTOR, "mark")]
        self.assertEqual(marks, ["Déploy", "notes"], "the matched words are marked, nothing else")
        self.assertIn("<b>", hit.text, "markup in a result is shown as text")
        self.assertEqual(hit.find_elements(By.CSS_SELECTOR, "b"), [], "no element made from a result's text")
        self.assertEqual(alice.texts().count(said[0]), 1, "a search is not a message")
        alice.screenshot("search")
        alice.say("/search")
        alice.wait(lambda: any("/search" in e for e in alice.errors()), "the hint for an empty search")


if __name__ == "__main__":
    unittest.main(verbosity=2)

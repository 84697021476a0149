"""What the browser tests share: a chat-server process and a plain-text (nc-style) client (both from
Tests/PythonSupport/shared_harness.py), and a headless chromium driven by Selenium through Debian's
chromedriver.

Every wait is bounded: WebDriverWait with a timeout, socket timeouts, process waits with a timeout.
Only loopback addresses are ever a target. Nothing is downloaded (SE_OFFLINE=true).
"""
import json
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not fetch a browser or a driver

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException, TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "PythonSupport"))  # what the suites share
import shared_harness  # noqa: E402
from shared_harness import BINARY, ROOT, WAIT  # noqa: E402

SCREENSHOTS = pathlib.Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / ".build/screenshots"))
ARTIFACTS = pathlib.Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / ".build/browser-tests"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

RECONNECT = 40  # seconds for a browser to notice a restart and resume by itself


class ChatServer(shared_harness.ChatServerProcess):
    """`chat-server --port P --database FILE` as a process: its two first lines give the ports."""

    def __init__(self, database, port=0, http_port=None, extra=(), log_name="server", web=True):
        self.database = str(database)
        arguments = [str(BINARY), "--host", "127.0.0.1", "--port", str(port), "--database", self.database]
        if http_port is not None:
            arguments += ["--http-port", str(http_port)]
        if not web:
            arguments += ["--no-web"]
        arguments += list(extra)
        self.http_port = None
        ports = {"port": "listening on ", "http_port": "web on "} if web else {"port": "listening on "}
        super().__init__(arguments, ARTIFACTS / f"{log_name}.log", ports)
        self.url = f"http://127.0.0.1:{self.http_port}/" if web else None


class PlainClient(shared_harness.PlainClient):
    """The shared nc-style client, and what the browser tests ask of it besides."""

    def wait_closed(self, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.closed:
            raise AssertionError(f"plain client {self.name}: still open after {timeout} s")

    def messages(self, names):
        """The chat messages seen, `(name, text)` in order: the lines `NAME: text` whose NAME is in `names`."""
        pairs = [line.split(": ", 1) for line in self.lines() if ": " in line]
        return [(name, text) for name, text in pairs if name in names]


# One script call reads the whole list of events: quicker than an element at a time, and no stale element.
READ_EVENTS = """
return Array.from(document.querySelectorAll('#messages li.event')).map(li => {
  const part = s => { const e = li.querySelector(s); return e ? e.textContent : null; };
  return {id: li.dataset.id, kind: li.dataset.kind, name: part('.name'), text: part('.text'),
          time: part('.time'), history: li.classList.contains('history')};
});
"""


def clean_name(text):
    """`<alice>`, `alice:` or ` alice ` shown in `.name`: the name itself."""
    return (text or "").strip().strip("<>:*").strip()


class Browser:
    """A headless chromium on the server's page, one per person (its own profile, its own storage)."""

    def __init__(self, server, person):
        self.person = person
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--window-size=1200,800", "--disable-dev-shm-usage",
                         "--disable-gpu", "--no-first-run", "--disable-extensions"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # An alert stays open and every command fails on it, instead of being dismissed unseen.
        options.unhandled_prompt_behavior = "ignore"
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.set_page_load_timeout(WAIT)
        self.driver.set_script_timeout(WAIT)
        self.driver.get(server.url)

    # Waiting

    def wait(self, condition, what, timeout=WAIT):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda d: condition())
        except TimeoutException:
            raise AssertionError(f"{self.person}'s browser: no {what} within {timeout} s; "
                                 f"status {self.status()!r}, last events {self.events()[-8:]}, "
                                 f"errors {self.errors()}") from None

    def find(self, selector):
        element = self.driver.find_element(By.CSS_SELECTOR, selector)
        if element is None:  # what chromedriver answers while an alert is open
            raise AssertionError(f"{self.person}'s browser: an alert is open ({self.open_alert()!r}), "
                                 f"no {selector} to be found")
        return element

    def open_alert(self):
        """The text of the open alert, or None."""
        try:
            return self.driver.switch_to.alert.text
        except NoAlertPresentException:
            return None

    def displayed(self, selector):
        elements = self.driver.find_elements(By.CSS_SELECTOR, selector)
        return bool(elements) and elements[0].is_displayed()

    # Reading the page

    def events(self):
        return self.driver.execute_script(READ_EVENTS)

    def messages(self):
        """`(id, name, text)` of the message events shown, in page order."""
        return [(int(e["id"]), clean_name(e["name"]), e["text"]) for e in self.events() if e["kind"] == "message"]

    def texts(self):
        return [e["text"] for e in self.events() if e["kind"] == "message"]

    def status(self):
        elements = self.driver.find_elements(By.CSS_SELECTOR, "#status")
        return elements[0].get_attribute("data-state") if elements else None

    def errors(self):
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "#errors .error") if e.is_displayed()]

    def error_elements(self):
        """The visible errors as a set of (element, words): a new error, or new words, is a new pair."""
        return {(e.id, e.text) for e in self.driver.find_elements(By.CSS_SELECTOR, "#errors .error") if e.is_displayed()}

    def members(self):
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "#members li")]

    def entry_value(self):
        return self.find("#entry").get_attribute("value")

    def wait_status(self, state, timeout=WAIT):
        self.wait(lambda: self.status() == state, f"#status[data-state={state}]", timeout)

    def wait_text(self, text, timeout=WAIT):
        self.wait(lambda: text in self.texts(), f"message {text!r}", timeout)

    def wait_texts(self, texts, timeout=WAIT):
        self.wait(lambda: all(t in self.texts() for t in texts), f"messages {texts!r}", timeout)

    def wait_members(self, names, timeout=WAIT):
        self.wait(lambda: all(any(n in m for m in self.members()) for n in names), f"members {names}", timeout)

    # Acting

    def sign_in(self, name, password=""):
        self.wait(lambda: self.displayed("#signin") and self.displayed("#name"), "sign-in screen")
        self.find("#name").clear()
        self.find("#name").send_keys(name)
        if password:
            self.find("#password").send_keys(password)
        self.find("#join").click()
        self.wait(lambda: self.displayed("#chat") and self.displayed("#entry"), "chat screen after joining")
        self.wait_status("connected")
        self.wait(lambda: self.find("#me").text.strip() == name, f"#me showing {name}")

    def type(self, text):
        """Types into #entry without sending."""
        entry = self.find("#entry")
        entry.send_keys(text)

    def say(self, text):
        """Types `text` into #entry and presses Enter."""
        self.find("#entry").send_keys(text, Keys.ENTER)

    def clear_entry(self):
        entry = self.find("#entry")
        entry.send_keys(Keys.CONTROL, "a")
        entry.send_keys(Keys.DELETE)
        if entry.get_attribute("value"):
            entry.clear()

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def save_console(self, test_name):
        """The page's console (CSP violations, script errors) to the artifacts folder."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            entries = self.driver.get_log("browser")
        except Exception as error:  # the browser may be gone already
            entries = [{"message": f"(console not readable: {error})"}]
        path = ARTIFACTS / f"{test_name}.{self.person}.console.log"
        path.write_text("".join(json.dumps(e) + "\n" for e in entries))
        return entries

    def quit(self):
        try:
            self.driver.quit()
        except Exception:
            pass


def temporary_database(test_name):
    directory = pathlib.Path(tempfile.mkdtemp(prefix=f"browser-{test_name}-"))
    return directory / "chat.sqlite"

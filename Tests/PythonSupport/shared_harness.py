"""What the Python suites' harnesses (Tests/Browser, Tests/IRCClients) share: a chat-server process
that waits for the ports it prints, and a plain-text (nc-style) client.

Every wait is bounded; only loopback addresses are ever a target.
"""
import os
import pathlib
import queue
import signal
import socket
import subprocess
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
BINARY = pathlib.Path(os.environ.get("CHAT_SERVER", ROOT / ".build/debug/chat-server"))

# Bounds, in seconds. Generous for a loaded 2-core CI machine; a pass is usually far below them.
WAIT = 15  # a line or an event to arrive, a screen to appear, a connection to open
START = 20  # chat-server to print its ports (and WeeChat to make its fifo)


class ChatServerProcess:
    """`arguments` (chat-server and its options) as a process, stderr appended to `log_path`. Waits up
    to START s until stdout has given every port of `ports`, `{attribute: line prefix}` such as
    `{"port": "listening on "}`, and sets those attributes from the lines (`... on HOST:PORT[/]`)."""

    def __init__(self, arguments, log_path, ports):
        self.arguments = list(arguments)
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(self.arguments, stdout=subprocess.PIPE, stderr=self.log,
                                        stdin=subprocess.DEVNULL)
        self.lines = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        for attribute in ports:
            setattr(self, attribute, None)
        deadline = time.monotonic() + START
        seen = []
        while any(getattr(self, attribute) is None for attribute in ports):
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                line = None
            if line is None:  # end of output, or the deadline
                self.stop()
                expected = " and ".join(f"`{prefix.strip()}`" for prefix in ports.values())
                raise AssertionError(f"chat-server did not print {expected} within {START} s: {seen}; "
                                     f"log {self.log_path}: {self.log_tail()}")
            seen.append(line)
            for attribute, prefix in ports.items():
                if line.startswith(prefix):
                    setattr(self, attribute, int(line.rstrip("/").rsplit(":", 1)[1]))
                    break

    def _read_stdout(self):
        for raw in self.process.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put(None)

    def log_tail(self, characters=1500):
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""

    def stop(self, within=15):
        """SIGTERM, and the exit status; SIGKILL (and an error) if it does not stop within `within` s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=within)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
                self.log.close()
                raise AssertionError(f"chat-server did not stop within {within} s of SIGTERM")
        self.log.close()
        return self.process.returncode


class PlainClient:
    """An nc-style client: a TCP socket, the first line a name, then one message a line."""

    def __init__(self, port, name):
        self.name = name
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.socket.settimeout(1)  # the reader wakes up every second to notice a close
        self.received = []
        self.closed = False
        self._lock = threading.Lock()
        self._stop = False
        threading.Thread(target=self._read, daemon=True).start()
        self.send(name)
        self.wait_for(lambda line: line.startswith(f"Hello {name}!"), f"the welcome of {name}")

    def _read(self):
        buffer = b""
        while not self._stop:
            try:
                data = self.socket.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            with self._lock:
                self.received += [line.decode("utf-8", "replace").rstrip("\r") for line in lines]
        self.closed = True

    def send(self, line):
        self.socket.sendall(line.encode() + b"\n")

    def lines(self):
        with self._lock:
            return list(self.received)

    def wait_for(self, condition, what, timeout=WAIT, after=0, context=None):
        """Waits for a line from the `after`-th on that meets `condition`; returns it. `context`, a
        function, adds to the failure's message (an IRC client's logs and raw lines)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines()[after:]:
                if condition(line):
                    return line
            if time.monotonic() >= deadline:
                raise AssertionError(f"plain client {self.name}: no {what} within {timeout} s; "
                                     f"its last lines: {self.lines()[-15:]}"
                                     + (f"\n{context()}" if context else ""))
            time.sleep(0.05)

    def close(self):
        self._stop = True
        try:
            self.socket.close()
        except OSError:
            pass

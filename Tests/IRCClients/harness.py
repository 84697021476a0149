"""What the IRC client tests share: a chat-server process with its IRC door and a plain-text (nc-style)
client (both from Tests/PythonSupport/shared_harness.py), a loopback proxy that records every IRC line
both ways, and a real IRC client, WeeChat (Debian's weechat-headless), driven through its fifo plugin
and read through its logger plugin.

Every wait is bounded: a log file polled until a deadline, socket timeouts, process waits with a
timeout. Only loopback addresses are ever a target. Each WeeChat gets its own temporary home
(`--dir`), so nothing of the user's WeeChat is read or written.
"""
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "PythonSupport"))  # what the suites share
import shared_harness  # noqa: E402
from shared_harness import BINARY, ROOT, START, WAIT  # noqa: E402

ARTIFACTS = pathlib.Path(os.environ.get("IRC_ARTIFACTS", ROOT / ".build/irc-client-tests"))
WEECHAT = os.environ.get("WEECHAT", "/usr/bin/weechat-headless")

NICK_MODES = "~&@%+"  # the channel mode prefixes WeeChat may put before a nick in its log


class ChatServer(shared_harness.ChatServerProcess):
    """`chat-server --port 0 --no-web --irc-port 0 --database FILE` as a process: its output gives the ports."""

    def __init__(self, database, extra=(), log_name="server"):
        self.database = str(database)
        arguments = [str(BINARY), "--host", "127.0.0.1", "--port", "0", "--no-web", "--irc-port", "0",
                     "--database", self.database] + list(extra)
        super().__init__(arguments, ARTIFACTS / f"{log_name}.log", {"port": "listening on ", "irc_port": "irc on "})


class PlainClient(shared_harness.PlainClient):
    """The shared nc-style client, and what the IRC client tests ask of it besides."""

    def join(self, room):
        """`/join ROOM`, and the server's answer `*** You are in #ROOM now ...`."""
        mark = len(self.lines())
        self.send(f"/join {room}")
        self.wait_for(lambda line: line.startswith(f"*** You are in #{room} now"), f"answer to /join {room}",
                      after=mark)


class RawIRCLog:
    """A loopback TCP proxy in front of chat-server's IRC port: the IRC client connects here, and every
    line either way is kept (and written to `path`) as `C: ...` (client to server) or `S: ...`, so a
    failure can quote what the client sent and what the server answered, byte for byte."""

    def __init__(self, target_port, path):
        self.target_port = target_port
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "w", encoding="utf-8")
        self.entries = []
        self._lock = threading.Lock()
        self._sockets = []
        self._stop = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(1)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=WAIT)
            except OSError as error:
                self._record("*", f"(could not connect to the IRC port {self.target_port}: {error})")
                client.close()
                continue
            server.settimeout(None)
            client.settimeout(None)
            self._sockets += [client, server]
            self._record("*", "(connection)")
            threading.Thread(target=self._pipe, args=(client, server, "C"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, "S"), daemon=True).start()

    def _pipe(self, source, destination, direction):
        buffer = b""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:  # recorded before it is passed on, so the file keeps the order of cause and effect
                    self._record(direction, line.decode("utf-8", "replace").rstrip("\r"))
                destination.sendall(data)
        except OSError:
            pass
        if buffer:
            self._record(direction, buffer.decode("utf-8", "replace") + " (no end of line)")
        self._record(direction, "(closed)")
        try:
            destination.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _record(self, direction, line):
        with self._lock:
            self.entries.append((direction, line))
            if not self.file.closed:
                self.file.write(f"{time.strftime('%H:%M:%S')} {direction}: {line}\n")
                self.file.flush()

    def lines(self, direction=None):
        with self._lock:
            return [line for d, line in self.entries if direction is None or d == direction]

    def tail(self, count=25):
        with self._lock:
            return "\n".join(f"    {d}: {line}" for d, line in self.entries[-count:])

    def close(self):
        self._stop = True
        for item in [self.listener] + self._sockets:
            try:
                item.close()
            except OSError:
                pass
        with self._lock:
            self.file.close()


class WeeChat:
    """weechat-headless in a temporary home of its own, connected to `port` as `nick` and joined to
    `channel` (autojoin). Commands go in through the fifo plugin (one write per command, to the
    fifo `weechat_fifo_PID` of the home); what it shows is read from the logger plugin's files,
    written at once (flush_delay 0): `DATE\\tPREFIX\\tMESSAGE` per line.

    `capabilities` is WeeChat's option irc.server.NAME.capabilities: "*" (its default) asks for
    every capability both sides support; "*,!server-time" all but server-time.
    Anti-flood is off, or WeeChat would hold each message after the first for 2 s."""

    SERVER = "chatroom"  # WeeChat's name for the server: its buffers are irc.server.chatroom, irc.chatroom.#dev

    def __init__(self, port, nick, channel, capabilities="*", name="weechat", raw=None):
        self.nick = nick
        self.channel = channel
        self.raw = raw
        self.home = pathlib.Path(tempfile.mkdtemp(prefix=f"irc-client-{name}-"))
        self.name = name
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.output_path = ARTIFACTS / f"{name}.stdout.log"
        self.output = open(self.output_path, "wb")
        server = f"irc.server.{self.SERVER}"
        commands = [
            "/set logger.file.flush_delay 0",
            "/set irc.look.smart_filter off",
            f"/server add {self.SERVER} 127.0.0.1/{port} -notls",
            f"/set {server}.nicks {nick}",
            f"/set {server}.username {nick}",
            f"/set {server}.realname {nick}",
            f"/set {server}.capabilities \"{capabilities}\"",
            f"/set {server}.anti_flood_prio_high 0",
            f"/set {server}.anti_flood_prio_low 0",
            f"/set {server}.autoreconnect off",
            f"/set {server}.autojoin {channel}",
            f"/connect {self.SERVER}",
        ]
        self.arguments = [WEECHAT, "--dir", str(self.home), "--plugins", "irc,logger,fifo", "--no-script",
                          "--run-command", ";".join(commands)]
        environment = dict(os.environ, TZ="UTC")  # its logs' dates in UTC, as the server's times
        self.process = subprocess.Popen(self.arguments, stdin=subprocess.DEVNULL, stdout=self.output,
                                        stderr=subprocess.STDOUT, start_new_session=True, env=environment)
        self.fifo = self.home / f"weechat_fifo_{self.process.pid}"
        self.logs = self.home / "logs"
        self.wait(lambda: self.fifo.exists(), f"fifo {self.fifo}", timeout=START)

    # Reading its logs

    def log_path(self, buffer):
        """The logger's file for a buffer: `server` (the server buffer) or a channel such as `#dev`."""
        name = f"server.{self.SERVER}" if buffer == "server" else f"{self.SERVER}.{buffer}"
        return self.logs / f"irc.{name}.weechatlog".lower()

    def dated_log(self, buffer):
        """`(date, prefix, message)` of each line the logger wrote for the buffer so far; the date is
        the time WeeChat shows the line at, `2026-11-30 17:02:03` in UTC."""
        try:
            text = self.log_path(buffer).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        return [tuple(parts) for parts in (line.split("\t", 2) for line in text.splitlines()) if len(parts) == 3]

    def log(self, buffer):
        """`(prefix, message)` of each line the logger wrote for the buffer so far."""
        return [(prefix, message) for _, prefix, message in self.dated_log(buffer)]

    def messages(self, buffer=None):
        """`(nick, text)` of the chat messages in a channel's log: lines whose prefix is a nick."""
        result = []
        for prefix, message in self.log(buffer or self.channel):
            nick = prefix.lstrip(NICK_MODES)
            if nick and nick not in ("--", "-->", "<--", "=!=", "*") and not nick.startswith(" "):
                result.append((nick, message))
        return result

    def wait(self, condition, what, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if self.process.poll() is not None:
                raise AssertionError(f"WeeChat {self.name} exited ({self.process.returncode}) while waiting for "
                                     f"{what}; {self.describe()}")
            if time.monotonic() >= deadline:
                raise AssertionError(f"WeeChat {self.name}: no {what} within {timeout} s; {self.describe()}")
            time.sleep(0.05)

    def wait_log(self, buffer, condition, what, timeout=WAIT):
        """The first `(prefix, message)` of the buffer's log that meets `condition`."""
        def found():
            for entry in self.log(buffer):
                if condition(*entry):
                    return entry
            return None
        return self.wait(found, what, timeout)

    def wait_joined(self, timeout=WAIT):
        """Its own join shown in the channel: `-->  bob (bob@host) has joined #dev`."""
        return self.wait_log(self.channel, lambda prefix, message: prefix == "-->" and
                             message.startswith(f"{self.nick} ") and f"has joined {self.channel}" in message,
                             f"own join of {self.channel}", timeout)

    def describe(self):
        """What a failure message needs: the channel's and server's last log lines, and the raw IRC."""
        parts = []
        for buffer in (self.channel, "server"):
            lines = self.log(buffer)[-12:]
            parts.append(f"log of {buffer}:\n" + "\n".join(f"    {p}\t{m}" for p, m in lines))
        if self.raw is not None:
            parts.append(f"raw IRC (C: WeeChat, S: chat-server), last lines:\n{self.raw.tail()}")
        return "\n".join(parts)

    # Acting

    def command(self, buffer, text):
        """One line into the fifo for a buffer: a command (`/nick x`) or text to say in a channel.
        `buffer` is `server` or a channel; the line is `irc.server.chatroom */nick x` or
        `irc.chatroom.#dev *hello`."""
        name = f"irc.server.{self.SERVER}" if buffer == "server" else f"irc.{self.SERVER}.{buffer}"
        line = f"{name} *{text}\n".encode()
        # Non-blocking: no reader (WeeChat gone) is an error at once, not a hang.
        descriptor = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)

    def say(self, text):
        self.command(self.channel, text)

    def wait_exit(self, timeout=WAIT):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"WeeChat {self.name} still running {timeout} s after /quit; "
                                 f"{self.describe()}") from None

    def stop(self):
        """SIGTERM (WeeChat quits), SIGKILL after 10 s; its logs are kept in the artifacts, its home removed."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.output.close()
        if self.logs.is_dir():
            shutil.copytree(self.logs, ARTIFACTS / f"{self.name}.logs", dirs_exist_ok=True)
        shutil.rmtree(self.home, ignore_errors=True)


def temporary_database(test_name):
    directory = pathlib.Path(tempfile.mkdtemp(prefix=f"irc-client-{test_name}-"))
    return directory / "chat.sqlite"

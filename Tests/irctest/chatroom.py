"""irctest server controller for chatroom's chat-server (its IRC door).

Used by scripts/irctest, which puts this directory on PYTHONPATH and runs
irctest's pytest with ``--controller chatroom``.  irctest itself stays out of
the repository (see README.md here).

Environment:
  CHAT_SERVER       path to the chat-server binary (default: chat-server on PATH)
  CHAT_SERVER_ARGS  extra arguments, split like a shell would (optional)
  CHATROOM_IRC_CAPS capabilities the door claims, comma-separated, or "none";
                    a claimed capability that is NAKed fails a test instead of
                    skipping it (default: batch,echo-message,message-tags,server-time)
  CHATROOM_IRC_SYNC_SLEEP  seconds irctest sleeps before each synchronizing
                    PING (its sync_sleep_time, default 0).  irctest assumes a
                    server answers one connection's commands in order, so that
                    the PONG to "PING synchronize..." comes after every reply
                    and broadcast caused by the lines before it; a nonzero value
                    tells which failures are only that ordering (diagnosis only).

If ``chat-server serve --help`` lists ``--irc-server-name``, the controller
passes ``--irc-server-name My.Little.Server``: irctest's tests expect that
name (every controller configures it) in 004, PONG, 391, 352 and the like.

When irctest asks for a server password (connection_registration's
``PasswordedConnectionRegistrationTestCase``), it is written to a file in the
test's directory and given as ``--irc-password-file FILE`` (never on the
command line).

The server is started as (the contract with the door):

  chat-server --host 127.0.0.1 --port 0 --no-web --irc-port PORT \
      --database DIR/chat.sqlite --rate 0 --history 0 --log-level warning

The database holds one account, ``operuser`` (password ``operpassword``), an
operator's: irctest's ``OPER operuser operpassword``.

``--rate 0``: no flood control (irctest sends bursts, like ngIRCd's config in
irctest turns its penalties off).  ``--history 0``: a newcomer gets no replay
of earlier events, which IRC clients do not expect on JOIN.  The run waits
for the server's ``irc on 127.0.0.1:PORT`` line, then irctest's own port check.
"""

import os
from pathlib import Path
import shlex
import shutil
import subprocess
import tempfile
import time
from typing import FrozenSet, List, Optional, Set, Type

from irctest.basecontrollers import (
    BaseServerController,
    DirectoryBasedController,
    ProcessStopped,
)
from irctest.runner import NotImplementedByController
from irctest.specifications import Capabilities

DEFAULT_CAPS = "batch,echo-message,message-tags,server-time"
STARTUP_SECONDS = 30.0


def _claimed_capabilities() -> FrozenSet[Capabilities]:
    names = os.environ.get("CHATROOM_IRC_CAPS", DEFAULT_CAPS).strip()
    if names.lower() in ("", "none"):
        return frozenset()
    return frozenset(Capabilities.from_name(n.strip()) for n in names.split(",") if n.strip())


class ChatroomController(BaseServerController, DirectoryBasedController):
    software_name = "chatroom"
    supported_sasl_mechanisms: Set[str] = set()
    supports_sts = False
    _port_wait_interval = 0.05
    capabilities = _claimed_capabilities()
    sync_sleep_time = float(os.environ.get("CHATROOM_IRC_SYNC_SLEEP", "0") or 0)
    _help_text: Optional[str] = None
    _operator_database: Optional[Path] = None

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        if ssl:
            raise NotImplementedByController("TLS on the IRC port")
        if run_services:
            raise NotImplementedByController("services")
        assert self.proc is None

        # irctest hands out 0.0.0.0 (it binds ("", 0) to find a free port);
        # clients connecting to 0.0.0.0 reach 127.0.0.1 on Linux, and the
        # server only ever listens on loopback.
        self.hostname = "127.0.0.1"
        self.port = port
        self.create_config()
        assert self.directory

        binary = os.environ.get("CHAT_SERVER") or shutil.which("chat-server")
        if not binary:
            raise RuntimeError("set CHAT_SERVER to the chat-server binary")
        shutil.copyfile(self._database_with_operator(binary), self.directory / "chat.sqlite")

        command: List[str] = [
            binary,
            "--host", "127.0.0.1",
            "--port", "0",
            "--no-web",
            "--irc-port", str(port),
            "--database", str(self.directory / "chat.sqlite"),
            "--rate", "0",
            "--history", "0",
            "--log-level", "warning",
            *shlex.split(os.environ.get("CHAT_SERVER_ARGS", "")),
        ]
        if "--irc-server-name" in self._help(binary):
            command += ["--irc-server-name", "My.Little.Server"]
        if password is not None:
            if "--irc-password-file" not in self._help(binary):
                raise NotImplementedByController("PASS (server password)")
            password_file = self.directory / "irc-password"
            password_file.write_text(password + "\n")
            command += ["--irc-password-file", str(password_file)]
        if faketime and shutil.which("faketime"):
            command = ["faketime", "-f", faketime, *command]
            self.faketime_enabled = True

        self.stdout_path = self.directory / "stdout.log"
        self.stderr_path = self.directory / "stderr.log"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.proc = self.execute(command, stdout=out, stderr=err)
        self._wait_for_ready_line(port)

    @classmethod
    def _database_with_operator(cls, binary: str) -> Path:
        """A database holding irctest's operator account (``OPER operuser operpassword``),
        made once per run and copied for each test: scrypt takes a while."""
        if cls._operator_database is None:
            path = Path(tempfile.mkdtemp(prefix="chatroom-irctest-")) / "chat.sqlite"
            subprocess.run(
                [binary, "account", "add", "operuser", "--op", "--password-stdin", "--database", str(path)],
                input="operpassword\n", capture_output=True, text=True, timeout=60, check=True,
            )
            cls._operator_database = path
        return cls._operator_database

    @classmethod
    def _help(cls, binary: str) -> str:
        if cls._help_text is None:
            done = subprocess.run(
                [binary, "serve", "--help"], capture_output=True, text=True, timeout=30
            )
            cls._help_text = done.stdout + done.stderr
        return cls._help_text

    def _log_tail(self, lines: int = 15) -> str:
        tails = []
        for path in (self.stdout_path, self.stderr_path):
            try:
                text = Path(path).read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                text = []
            tails.append(f"--- {Path(path).name} ---\n" + "\n".join(text))
        return "\n".join(tails)

    def _wait_for_ready_line(self, port: int) -> None:
        """Wait for ``irc on 127.0.0.1:PORT``; fail fast if the server exits."""
        assert self.proc
        wanted = f"irc on 127.0.0.1:{port}"
        deadline = time.time() + STARTUP_SECONDS
        while time.time() < deadline:
            if wanted in self.stdout_path.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                raise ProcessStopped(
                    f"chat-server exited with {self.proc.returncode} before "
                    f"'{wanted}':\n{self._log_tail()}"
                )
            time.sleep(0.02)
        raise ProcessStopped(
            f"chat-server did not print '{wanted}' within {STARTUP_SECONDS:.0f}s:\n"
            + self._log_tail()
        )

    def kill(self) -> None:
        if self.debug_mode and self.directory:
            print(self._log_tail(lines=200))
        super().kill()


def get_irctest_controller_class() -> Type[ChatroomController]:
    return ChatroomController

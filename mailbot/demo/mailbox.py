"""The demo's mailbox: pymap's in-memory IMAP server, started as a child process.

`mailbot demo` must run on a fresh machine without root and without Dovecot. pymap is a
maintained asyncio IMAP server with an in-memory backend that speaks everything mailbot asks
of a real server (UIDPLUS, MOVE, IDLE); a child process keeps its event loop and logging
out of ours and is ended whatever state it is in.

    with DemoMailbox(log=directory / "imap.log") as mailbox:
        mailbox.append(raw)
        ...  # Settings(imap_host=mailbox.host, imap_port=mailbox.port, ...)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient

USER = "monitoring"
PASSWORD = "demo"
HOST = "127.0.0.1"
_START_SECONDS = 30.0
_STOP_SECONDS = 5.0

# The server's own entry point, run by this interpreter so the .venv's pymap is the one used.
_SERVE = "import sys; from pymap.main import main; sys.argv[0] = 'pymap'; sys.exit(main())"


class DemoMailbox:
    """One demo user's mailbox on a pymap server on loopback, for as long as it is open."""

    def __init__(self, log: Path | None = None) -> None:
        self.host = HOST
        self.port = _free_port()
        self.user, self.password = USER, PASSWORD
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> DemoMailbox:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server; return once it greets."""
        command = [sys.executable, "-c", _SERVE, "--host", self.host, "--port", str(self.port),
                   "dict", "--demo-user", self.user, "--demo-password", self.password]
        self._process = process = _spawn(command, self._log)
        if not _greeted(process, self.host, self.port):
            self.stop()
            raise RuntimeError(f"the demo IMAP server did not start (see {self._log})")

    def stop(self) -> None:
        """End the server; its mail goes with it."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver one message, as the mail server in front of the bot would."""
        with IMAPClient(self.host, port=self.port, ssl=False, timeout=10) as client:
            client.login(self.user, self.password)
            client.append(folder, raw)


def _spawn(command: list[str], log: Path | None) -> subprocess.Popen[bytes]:
    if log is None:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output,
                                stderr=subprocess.STDOUT)


def _greeted(process: subprocess.Popen[bytes], host: str, port: int) -> bool:
    """Wait until the server greets; False when it ends or takes too long."""
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        if _greets(host, port):
            return True
        time.sleep(0.05)
    return False


def _greets(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as connection:
            return connection.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])

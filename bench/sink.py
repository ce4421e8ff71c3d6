"""An SMTP sink in a process of its own, so its CPU never counts against what is measured.

`python -m bench.sink PORT` accepts everything and prints one line per message to stdout:
`<CLOCK_MONOTONIC seconds> <In-Reply-To without brackets or ->`. `Sink` starts it and follows
those lines from the benchmark process.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

_IN_REPLY_TO = re.compile(rb"^In-Reply-To:\s*<([^>\r\n]*)>", re.I | re.M)


class _Handler:
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        head = raw.split(b"\r\n\r\n", 1)[0]
        match = _IN_REPLY_TO.search(head)
        parent = match.group(1).decode("ascii", "replace") if match else "-"
        sys.stdout.write(f"{time.monotonic():.6f} {parent}\n")
        sys.stdout.flush()
        return "250 OK"


def serve(port: int) -> None:
    """Run the sink until SIGTERM."""
    controller = Controller(_Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()


class Sink:
    """The sink process seen from the benchmark: how many arrived, and when a reply came."""

    def __init__(self, port: int) -> None:
        self.host, self.port = "127.0.0.1", port
        self._arrivals: list[tuple[float, str]] = []
        self._changed = threading.Condition()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.sink", str(port)],
            stdout=subprocess.PIPE, text=True, bufsize=1,
        )
        assert self._process.stdout is not None
        if self._process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        self._reader = threading.Thread(target=self._follow, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def _follow(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            stamp, _, parent = line.strip().partition(" ")
            with self._changed:
                self._arrivals.append((float(stamp), parent))
                self._changed.notify_all()

    def count(self) -> int:
        with self._changed:
            return len(self._arrivals)

    def wait_count(self, n: int, timeout: float) -> int:
        """Wait until at least `n` messages arrived in all; the count reached."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._arrivals) < n and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            return len(self._arrivals)

    def wait_reply(self, message_id: str, since: int, timeout: float) -> float | None:
        """Arrival time of the first message from index `since` on answering `message_id`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for stamp, parent in self._arrivals[since:]:
                    if parent == message_id:
                        return stamp
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


if __name__ == "__main__":
    serve(int(sys.argv[1]))

"""Telling systemd the daemon is ready, still making progress, and stopping (sd_notify).

The unit (deploy/mailbot.service) sets `Type=notify` and `WatchdogSec`: systemd then restarts
the daemon when no `WATCHDOG=1` came within that time. The daemon says it only after real
progress (a message handled, a wait for mail ended), so a daemon stuck anywhere, in C code
included, is restarted; the message it held is taken again once its claim goes stale, and
quarantined after MAX_ATTEMPTS. Without `NOTIFY_SOCKET` (not under systemd) nothing is sent.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class Watchdog:
    """The service manager's notification socket, as systemd describes it in the environment."""

    def __init__(
        self, environ: Mapping[str, str] = os.environ,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        address = environ.get("NOTIFY_SOCKET", "")
        # An abstract socket is written with '@'; its name starts with a NUL byte.
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self._clock = clock
        self._every = _interval(environ)
        self._last = float("-inf")

    @property
    def enabled(self) -> bool:
        """Whether the service manager watches this process."""
        return bool(self._address) and self._every is not None

    def ready(self) -> None:
        """Start-up is done."""
        self._send("READY=1")

    def alive(self) -> None:
        """Progress was made: tell the watchdog, at most twice per watchdog interval."""
        if self._every is None:
            return
        now = self._clock()
        if now - self._last >= self._every:
            self._last = now
            self._send("WATCHDOG=1")

    def stopping(self) -> None:
        """Shutting down on request."""
        self._send("STOPPING=1")

    def _send(self, state: str) -> None:
        if not self._address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(state.encode(), self._address)
        except OSError as error:  # the manager went away: nothing to tell
            log.warning("could not notify the service manager: %s", error)


def _interval(environ: Mapping[str, str]) -> float | None:
    """Half the watchdog interval systemd set for this process, in seconds; None when none."""
    usec, pid = environ.get("WATCHDOG_USEC", ""), environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2 / 1_000_000

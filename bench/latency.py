"""APPEND of a reply to its confirmation at the SMTP sink, with `mailbot run` waiting in IDLE.

One mail at a time: the next APPEND only after the confirmation of the previous one arrived, so
every mail finds the daemon idle. Each mail comes from another municipality, as on a normal
day, so each pays its one argon2 verification.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.corpus import Org, submission
from bench.sink import Sink
from tests.mails import simple_mail
from tests.servers.dovecot import ImapAccount

TIMEOUT = 30.0  # seconds for one confirmation before the mail counts as missed
SETTLE = 0.05  # seconds between the daemon's end-of-pass log line and the next APPEND
_HANDLED_MS = re.compile(r" handled inbound=.* ms=(\d+)")


def daemon_env(settings: dict[str, Any]) -> dict[str, str]:
    """The environment of `python -m mailbot run`: only the settings given, no config file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    env["MAILBOT_CONFIG"] = "/nonexistent/mailbot.toml"
    for key, value in settings.items():
        env[f"MAILBOT_{key.upper()}"] = ",".join(value) if isinstance(value, list) else str(value)
    env["MAILBOT_POLL_SECONDS"] = "300"  # far away: only IDLE can make it answer in time
    env["MAILBOT_ROUND_AUTO"] = "false"  # no half-year invitations to 300 municipalities now
    return env


def measure(account: ImapAccount, sink: Sink, settings: dict[str, Any], world: list[Org],
            count: int, log: Path) -> dict[str, Any]:
    """Start the daemon, time `count` mails one by one, stop it; the figures."""
    with log.open("w") as output:
        daemon = subprocess.Popen([sys.executable, "-m", "mailbot", "run"],
                                  env=daemon_env(settings), stdout=output,
                                  stderr=subprocess.STDOUT)
    try:
        seconds, missed = _time_mails(account, sink, world, count, log)
        peak = _peak_rss_mb(daemon.pid)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    handled = [int(m.group(1)) for m in _HANDLED_MS.finditer(log.read_text(errors="replace"))]
    return _summary(seconds, missed, handled[1:], peak, daemon.returncode)


def _time_mails(account: ImapAccount, sink: Sink, world: list[Org], count: int,
                log: Path) -> tuple[list[float], int]:
    seconds: list[float] = []
    missed = 0
    with account.client() as client:
        # Warm-up: the daemon is up, has done its first pass and waits in IDLE.
        warm_up = simple_mail(world[0].addresses[1], "HELP")
        warm_id = re.search(rb"Message-ID: <([^>]+)>", warm_up)
        since = sink.count()
        client.append("INBOX", warm_up)
        if warm_id is None or sink.wait_reply(warm_id.group(1).decode(), since, 90) is None:
            raise RuntimeError("the daemon did not answer the warm-up mail within 90 s")
        for index in range(count):
            _wait_until_idle(log, passes=index + 1)
            org = world[(index + 1) % len(world)]
            raw, message_id = submission(org)
            since = sink.count()
            started = time.monotonic()
            client.append("INBOX", raw)
            arrived = sink.wait_reply(message_id, since, TIMEOUT)
            if arrived is None:
                missed += 1
            else:
                seconds.append(arrived - started)
    return seconds, missed


def _wait_until_idle(log: Path, passes: int, timeout: float = 5.0) -> None:
    """Until the daemon logged the end of its pass over the previous mail, and a moment more
    for its NOOP and IDLE command: the next mail must find it waiting in IDLE."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count(" pass handled=") >= passes:
            break
        time.sleep(0.005)
    time.sleep(SETTLE)


def _peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^VmHWM:\s+(\d+)", status, re.M)
    return int(found.group(1)) / 1024 if found else 0.0


def _summary(seconds: list[float], missed: int, handled_ms: list[int], peak: float,
             returncode: int | None) -> dict[str, Any]:
    ordered = sorted(seconds)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) >= 2 else (
        ordered[0] if ordered else None)
    return {
        "count": len(seconds), "missed": missed,
        "median_s": statistics.median(ordered) if ordered else None,
        "p95_s": p95, "min_s": ordered[0] if ordered else None,
        "max_s": ordered[-1] if ordered else None,
        # The daemon's own figure per message (archive to commit), from its log.
        "handle_median_ms": statistics.median(handled_ms) if handled_ms else None,
        "daemon_peak_rss_mb": peak, "daemon_exit": returncode,
    }
